// Which scopes a tool, resource or prompt needs (AUTH_SCOPE_RULES), and whether a token's scopes grant them.
// Scopes form a hierarchy by `:` (2026-07-28 authorization: a broader scope implies narrower ones): `files` grants
// `files:read`, which grants `files:read:private`.

export type ScopedKind = 'tool' | 'resource' | 'prompt';

interface Rule {
  kind: ScopedKind;
  /** exact name, or a prefix when the rule's name ended in `*` */
  name: string;
  glob: boolean;
  scopes: string[];
}

export interface ScopeRules {
  /** Every scope the item needs (empty: none beyond AUTH_REQUIRED_SCOPES); the most specific rule decides. */
  needed(kind: ScopedKind, name: string): string[];
  /** Every scope some rule names, for the metadata's `scopes_supported`. */
  all(): string[];
}

const KINDS: readonly string[] = ['tool', 'resource', 'prompt'];

/** Parses `tool:<name>=<scope> <scope>` rules; a bad rule is a configuration error, thrown with its text. */
export function parseScopeRules(rules: string[]): ScopeRules {
  const parsed: Rule[] = rules.map((text) => {
    const m = /^(\w+):([^=]+)=(.*)$/.exec(text.trim());
    const scopes = m?.[3]?.split(/\s+/).filter(Boolean) ?? [];
    if (!m || !KINDS.includes(m[1]!) || scopes.length === 0) {
      throw new Error(
        `AUTH_SCOPE_RULES: ${JSON.stringify(text)} is not <tool|resource|prompt>:<name or prefix*>=<scope> [scope…]`,
      );
    }
    const name = m[2]!.trim();
    const glob = name.endsWith('*');
    return { kind: m[1] as ScopedKind, name: glob ? name.slice(0, -1) : name, glob, scopes };
  });
  return {
    needed(kind, name) {
      let best: Rule | undefined;
      for (const r of parsed) {
        if (r.kind !== kind || !(r.glob ? name.startsWith(r.name) : name === r.name)) continue;
        // An exact rule beats any prefix; a longer prefix beats a shorter one.
        const rank = (x: Rule) => (x.glob ? x.name.length : Number.MAX_SAFE_INTEGER);
        if (!best || rank(r) > rank(best)) best = r;
      }
      return best?.scopes ?? [];
    },
    all: () => [...new Set(parsed.flatMap((r) => r.scopes))].sort(),
  };
}

/** True when one of the held scopes is `needed` or a broader scope above it. */
export function grants(held: readonly string[], needed: string): boolean {
  return held.some((h) => h === needed || needed.startsWith(`${h}:`));
}

export function missingScopes(held: readonly string[], needed: readonly string[]): string[] {
  return needed.filter((n) => !grants(held, n));
}
