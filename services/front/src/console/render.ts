// The console's HTML, rendered on the server: the page, and each section of it as a fragment. The live feed sends the
// same fragments over SSE and the page's script swaps them in, so there is one renderer and no client framework.
// Everything that came from Redis or a client is escaped.
import type { CallRow, Snapshot } from './fleet-snapshot.ts';
import { CONSOLE_SCRIPT } from './console-script.ts';

export interface FinishedCall {
  jobId: string;
  target: string;
  principal: string;
  endedAt: number;
  /** a text summary of the response: the result's text, or the error */
  summary: string;
  isError: boolean;
}

export const SECTIONS = ['nodes', 'workers', 'queues', 'sessions', 'calls', 'finished', 'incidents'] as const;
export type Section = (typeof SECTIONS)[number];

export function esc(v: unknown): string {
  return String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const secs = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`);
const time = (at: number) => new Date(at).toISOString().slice(11, 19);

function table(head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}
const td = (v: unknown, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(v)}</td>`;

function progressCell(c: CallRow): string {
  const p = c.progress;
  if (!p) return `<td class="muted">${c.state === 'running' ? 'running (no progress reported)' : esc(c.state)}</td>`;
  const max = p.total ?? 0;
  const bar = max > 0 ? `<progress value="${esc(p.progress)}" max="${esc(max)}"></progress>` : '';
  const label = max > 0 ? `${p.progress}/${max}` : String(p.progress);
  return `<td>${bar} <span class="num">${esc(label)}</span>${p.message && p.message !== label ? ` <span class="muted">${esc(p.message)}</span>` : ''}</td>`;
}

export function renderSection(name: Section, s: Snapshot, finished: FinishedCall[]): string {
  const now = s.at;
  switch (name) {
    case 'nodes':
      return table(
        ['front node', 'version', 'host / pid', 'open streams', 'RSS', 'heap', 'up', 'heartbeat'],
        s.fronts.map((f) => [
          td(f.nodeId),
          td(f.version),
          td(`${f.host} / ${f.pid}`),
          td(f.openStreams, 'num'),
          td(mb(f.rssBytes), 'num'),
          td(mb(f.heapUsedBytes), 'num'),
          td(secs(now - f.startedAt), 'num'),
          td(`${secs(f.ageMs)} ago`, f.ageMs > 30_000 ? 'warn' : 'num'),
        ]),
        'no front node has sent a heartbeat',
      );
    case 'workers':
      return table(
        ['worker', 'queue', 'tools', 'running', 'parked', 'heartbeat'],
        s.workers.map((w) => [
          td(w.workerId),
          td(w.queue),
          td(w.tools.join(', '), 'tools'),
          td(w.running, 'num'),
          td(w.parked, 'num'),
          td(`${secs(w.ageMs)} ago`, 'num'),
        ]),
        'no live worker in the catalog',
      );
    case 'queues':
      return table(
        ['queue', 'waiting', 'active', 'delayed / parked', 'failed (kept 1 h)', 'wait p50', 'wait p95', 'wait max'],
        s.queues.map((q) => [
          td(q.name),
          td(q.waiting, 'num'),
          td(q.active, 'num'),
          td(q.delayed, 'num'),
          td(q.failed, q.failed > 0 ? 'warn' : 'num'),
          td(secs(q.waitP50), 'num'),
          td(secs(q.waitP95), 'num'),
          td(secs(q.waitMax), 'num'),
        ]),
        'no queue',
      );
    case 'sessions': {
      const ss = s.sessions;
      const head = `<p><b>${esc(ss.live)}</b> live sessions; <b>${esc(ss.principals)}</b> principals among the ${esc(ss.sampled)} most recently active.</p>`;
      const top = table(
        ['principal', 'sessions (sampled)'],
        ss.top.map((t) => [td(t.principal), td(t.sessions, 'num')]),
        'no sessions',
      );
      const callers = table(
        ['principal', 'calls in flight'],
        s.callers.map((c) => [td(c.principal), td(c.calls, 'num')]),
        'nobody has a call in flight',
      );
      return `${head}<div class="pair"><div>${top}</div><div>${callers}</div></div>`;
    }
    case 'calls':
      return table(
        ['call', 'state', 'principal', 'worker', 'for', 'progress', 'latest output'],
        s.calls.map((c) => [
          `<td data-tool="${esc(c.target)}" data-job="${esc(c.jobId)}">${esc(c.method === 'tools/call' ? c.target : `${c.method} ${c.target}`)}${c.task ? ` <span class="tag">task ${esc(c.task.slice(0, 8))}</span>` : ''}</td>`,
          td(c.state, `state-${c.state}`),
          td(c.principal),
          td(c.worker ?? '—'),
          td(secs(now - c.startedAt), 'num'),
          progressCell(c),
          td(c.output ?? '', 'output'),
        ]),
        'no call in flight',
      );
    case 'finished':
      return table(
        ['ended', 'call', 'principal', 'result'],
        finished.map((f) => [
          td(time(f.endedAt)),
          `<td data-finished="${esc(f.target)}">${esc(f.target)}</td>`,
          td(f.principal),
          td(f.summary, f.isError ? 'warn output' : 'output'),
        ]),
        'no call has ended while this page was open',
      );
    case 'incidents':
      return table(
        ['when', 'node', 'kind', 'error', 'status', 'principal', 'request'],
        s.incidents.map((i) => [
          td(time(i.at)),
          td(i.node),
          td(i.kind, i.kind === 'quota' ? 'quota' : 'warn'),
          td(i.error),
          td(i.status ?? '', 'num'),
          td(i.principal ?? '—'),
          td(i.what),
        ]),
        'no recent errors or refusals',
      );
  }
}

const TITLES: Record<Section, string> = {
  nodes: 'Front nodes',
  workers: 'Workers',
  queues: 'Queues',
  sessions: 'Sessions and principals',
  calls: 'Calls and tasks in flight',
  finished: 'Recently finished',
  incidents: 'Recent errors and quota rejections',
};

const STYLE = `body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{background:#1d232b;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:17px;margin:0}header .sp{flex:1}header form{margin:0}
#live{font-size:12px;padding:2px 8px;border-radius:9px;background:#555}#live.on{background:#1f8a4c}
main{padding:12px 20px;display:grid;grid-template-columns:1fr 1fr;gap:12px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 12px;overflow:auto}
section.wide{grid-column:1/3}h2{font-size:14px;margin:4px 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-weight:600;color:#56606b;font-size:12px}.num{font-variant-numeric:tabular-nums}.muted,.empty{color:#7a838e}
.warn{color:#b3261e}.quota{color:#9a6700}.tag{font-size:11px;background:#e8eefc;border-radius:4px;padding:0 4px}
.output{font-family:ui-monospace,monospace;font-size:12px;max-width:420px;white-space:pre-wrap}
.state-running{color:#1f6feb}.state-parked{color:#9a6700}progress{width:140px;vertical-align:middle}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}.tools{max-width:260px}
#call form{display:flex;gap:8px;align-items:flex-start;flex-wrap:wrap}#call textarea{width:320px;height:48px;font:12px ui-monospace,monospace}
#call pre{background:#f6f7f9;padding:6px;max-height:160px;overflow:auto;white-space:pre-wrap;margin:6px 0 0}`;

export function renderPage(a: {
  snapshot: Snapshot;
  finished: FinishedCall[];
  node: string;
  who: string;
  signOut: boolean;
  tools: string[];
}): string {
  const sections = SECTIONS.map(
    (name) =>
      `<section id="${name}"${name === 'calls' || name === 'incidents' || name === 'sessions' ? ' class="wide"' : ''}><h2>${TITLES[name]}</h2><div data-section="${name}">${renderSection(name, a.snapshot, a.finished)}</div></section>`,
  ).join('\n');
  const options = a.tools.map((t) => `<option${t === 'count' ? ' selected' : ''}>${esc(t)}</option>`).join('');
  const signOut = a.signOut
    ? '<form method="post" action="/console/logout"><button type="submit">Sign out</button></form>'
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mcp-fleet console</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>
<header><h1>mcp-fleet console</h1><span>served by <b>${esc(a.node)}</b> · ${esc(a.who)}</span><span class="sp"></span><span id="live">connecting…</span>${signOut}</header>
<main>
<section id="call" class="wide"><h2>Call a tool</h2><form id="call-form"><select name="tool">${options}</select>
<textarea name="arguments" aria-label="arguments (JSON)">{"to": 10, "intervalMs": 200}</textarea><button type="submit">Call</button>
<progress id="call-progress" value="0" max="1"></progress><span id="call-status" class="muted"></span></form>
<pre id="call-output"></pre></section>
${sections}
</main><script>${CONSOLE_SCRIPT}</script></body></html>`;
}

export function renderLogin(a: { status: 401 | 403; message: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mcp-fleet console: sign in</title>
<style>${STYLE} .login{max-width:460px;margin:60px auto}.login input{width:100%;padding:6px;margin:6px 0;font:13px ui-monospace,monospace}</style></head>
<body><header><h1>mcp-fleet console</h1></header><section class="login"><h2>${a.status === 403 ? 'Not allowed' : 'Sign in'}</h2>
<p class="${a.status === 403 ? 'warn' : 'muted'}">${esc(a.message)}</p>
<form method="post" action="/console/login"><label>API key or access token<input name="token" type="password" autocomplete="off" required></label>
<button type="submit">Sign in</button></form></section></body></html>`;
}
