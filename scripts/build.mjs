// `npm run build`: the production build — one ES module, dist/mcp-fleet.mjs, run with plain `node` (no TypeScript
// loader in the process: less memory, faster start). Dependencies stay in node_modules; our Lua scripts are copied
// beside the bundle, where shared/src/scripts.ts looks for them (relative to the module).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [new URL('services/cli/src/main.ts', root).pathname],
  outfile: new URL('mcp-fleet.mjs', dist).pathname,
  bundle: true,
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
