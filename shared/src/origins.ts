// Which Origins an allow-list admits. One rule for the Origin check of every request (front guards) and for the
// configuration's cross-check that each CORS origin would also pass that check.

/**
 * An allow-list of `scheme://host` (any port), full origins (`scheme://host:port`), or `*`. Returns whether `origin`
 * (a request's Origin header) is admitted; an Origin that is not a URL never is.
 */
export function originMatcher(allowed: string[]): (origin: string) => boolean {
  const any = allowed.includes('*');
  const set = new Set(allowed.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return (origin) => {
    if (any) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    return set.has(`${url.protocol}//${url.hostname}`.toLowerCase()) || set.has(url.origin.toLowerCase());
  };
}
