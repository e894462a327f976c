// Resource templates: matching a URI against `scheme://path/{var}` templates.

/**
 * Matches URIs against a template with simple `{var}` expressions (RFC 6570 level 1), which is what resource
 * templates use in practice; a variable matches one or more characters other than `/`, `?`, `#`.
 * Written by hand: the full RFC 6570 libraries expand templates but do not match URIs against them.
 */
export function templateMatcher(template: string): (uri: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`))
    .replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/?#]+)';
    });
  if (/[{}]/.test(pattern))
    throw new Error(`resource template ${JSON.stringify(template)}: only {var} expressions are supported`);
  const re = new RegExp(`^${pattern}$`);
  return (uri) => {
    const m = re.exec(uri);
    if (!m) return undefined;
    const vars: Record<string, string> = {};
    try {
      for (const [i, n] of names.entries()) vars[n] = decodeURIComponent(m[i + 1]!);
    } catch {
      return undefined; // a malformed %-escape names no resource
    }
    return vars;
  };
}
