// 2026-07-28 custom parameter headers (SEP-2243): a tool's inputSchema may mark primitive properties with
// `x-mcp-header: <Name>`; a client then sends each such argument also as `Mcp-Param-<Name>` (plain, or
// `=?base64?…?=`), so that intermediaries can route on it. The server MUST reject a call whose headers are missing,
// malformed or disagree with the body (400, -32020). Written here because the SDK applies this check only to tools
// registered on its high-level McpServer and does not export it; our tools live in the fleet's catalog.
import { FleetError, type JsonRpcId } from '@mcp-fleet/shared';

interface Declaration {
  /** where the argument sits in `arguments` (a chain of `properties`) */
  path: string[];
  header: string;
  type: string | undefined;
}

const cache = new WeakMap<object, Declaration[]>();

/** The `x-mcp-header` declarations of a schema, statically reachable through `properties` only. */
export function paramHeaderDeclarations(schema: Record<string, unknown>): Declaration[] {
  let found = cache.get(schema);
  if (!found) {
    found = [];
    const visit = (node: unknown, path: string[]) => {
      if (typeof node !== 'object' || node === null) return;
      const s = node as Record<string, unknown>;
      if (path.length > 0 && typeof s['x-mcp-header'] === 'string' && s['x-mcp-header'] !== '') {
        found!.push({ path, header: s['x-mcp-header'], type: typeof s.type === 'string' ? s.type : undefined });
      }
      const props = s.properties;
      if (typeof props === 'object' && props !== null) {
        for (const [k, child] of Object.entries(props)) visit(child, [...path, k]);
      }
    };
    visit(schema, []);
    cache.set(schema, found);
  }
  return found;
}

const SENTINEL = /^=\?base64\?(.*)\?=$/;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A header value as text: base64 sentinel decoded (strictly: canonical padding, valid UTF-8), else literal. */
function decode(value: string): string | undefined {
  const m = SENTINEL.exec(value);
  if (!m) return value;
  if (!CANONICAL_BASE64.test(m[1]!)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(m[1]!, 'base64'));
  } catch {
    return undefined;
  }
}

/** How the spec turns a primitive argument into header text; undefined for what gets no header. */
function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)))
    return String(v);
  return undefined;
}

/** Throws HEADER_MISMATCH when a declared argument's header is missing, malformed or different from the body. */
export function checkParamHeaders(
  schema: Record<string, unknown>,
  args: unknown,
  headers: Record<string, string | string[] | undefined>,
  id: JsonRpcId | null,
): void {
  for (const d of paramHeaderDeclarations(schema)) {
    let value: unknown = args;
    for (const k of d.path)
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[k] : undefined;
    const body = asText(value);
    if (body === undefined) continue; // absent or null: no header is expected (a present one is ignored)
    const name = `Mcp-Param-${d.header}`;
    const raw = headers[name.toLowerCase()];
    const headerValue = Array.isArray(raw) ? raw[0] : raw;
    const where = `${name} for arguments.${d.path.join('.')}`;
    if (headerValue === undefined)
      throw mismatch(`the body carries ${JSON.stringify(value)} but the ${where} header is absent`, id);
    const decoded = decode(headerValue.trim());
    if (decoded === undefined) throw mismatch(`the ${where} header is not valid Base64 (=?base64?…?=)`, id);
    const same =
      (d.type === 'integer' || d.type === 'number') && typeof value === 'number' && DECIMAL.test(decoded)
        ? Number(decoded) === value
        : decoded === body;
    if (!same)
      throw mismatch(
        `the ${where} header says ${JSON.stringify(decoded)} but the body says ${JSON.stringify(value)}`,
        id,
      );
  }
}

function mismatch(what: string, id: JsonRpcId | null): FleetError {
  return new FleetError('HEADER_MISMATCH', { args: [what], era: 'modern', id, data: { mismatch: { body: what } } });
}
