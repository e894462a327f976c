// `npm run build`: the production build — dist/mcp-fleet.mjs, run with plain `node` (no TypeScript loader in the
// process: less memory, faster start), split along the CLI's per-command dynamic imports into chunks beside it
// (dist/chunk-*.mjs), so a front node loads none of the worker's code and a worker none of the front's.
// Dependencies stay in node_modules; our Lua scripts are copied beside the bundle, where shared/src/scripts.ts looks
// for them (relative to its module, which is in dist/ whichever chunk it lands in).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [new URL('services/cli/src/main.ts', root).pathname],
  entryNames: 'mcp-fleet',
  chunkNames: 'chunk-[hash]',
  outdir: dist.pathname,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [
    {
      // Our workspace packages are bundled; every other package is loaded from node_modules at run time.
      name: 'external-dependencies',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@mcp-fleet/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
cpSync(new URL('shared/src/scripts/', root), new URL('scripts/', dist), { recursive: true });
console.log('built dist/mcp-fleet.mjs');
