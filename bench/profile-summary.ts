// `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [skipSeconds]`: where a CPU profile's time
// went — self time by module (package or repo file) and by function, optionally leaving out the first seconds
// (start-up, module compilation). For the profiles `npm run bench -- --profile` writes.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};
// Self time per node from the samples after `skip` (µs from the start); each sample weighs its time delta.
const skipUs = Number(skipArg ?? 0) * 1e6;
const selfUs = new Map<number, number>();
let t = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  t += dt;
  if (t >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});
for (const n of prof.nodes) n.hitCount = selfUs.get(n.id) ?? 0;
const totalHits = [...selfUs.values()].reduce((a, b) => a + b, 0);
const msPerHit = 1 / 1000;

function moduleOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const repo = /\/(shared|services|bench)\/(.*)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const n of prof.nodes) {
  const hits = n.hitCount ?? 0;
  if (!hits) continue;
  const mod = moduleOf(n.callFrame.url);
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${mod}:${n.callFrame.lineNumber + 1}`;
  byModule.set(mod, (byModule.get(mod) ?? 0) + hits);
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
}
const show = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, hits] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((hits / totalHits) * 100).toFixed(1).padStart(5)}%  ${(hits * msPerHit).toFixed(0).padStart(6)} ms  ${k}\n`,
    );
  }
};
process.stdout.write(
  `${file}: ${((prof.endTime - prof.startTime) / 1e6).toFixed(1)} s profiled, ${(totalHits / 1e6).toFixed(1)} s counted (after ${skipUs / 1e6} s)\n`,
);
show('self time by module', byModule);
show('self time by function', byFunction);
