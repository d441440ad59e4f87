/**
 * Builds the published package into dist/ (`npm run build`).
 *
 *   dist/lib/        the library, bundled by esbuild: ESM with shared chunks (index and CLI load one
 *                    copy of the library), and one CommonJS bundle; source maps without sources
 *   dist/index.js    the entry points Node loads (ESM, CommonJS, CLI): each checks the Node version
 *   dist/index.cjs   first and only then loads dist/lib/, so an old Node gets one clear message
 *   dist/cli.js      instead of a link error from inside the library (an ESM import is linked before
 *                    any code runs, so the check cannot sit in the same module graph)
 *   dist/index.d.ts  the declarations, bundled into one file by rollup-plugin-dts, once for ESM and
 *   dist/index.d.cts once for CommonJS: TypeScript takes a declaration's format from its extension
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const ENTRIES = { index: 'src/index.ts', cli: 'src/cli.ts' };
/** The delivery worker's entry: loaded by path (`new Worker`), beside the library chunks it shares. */
const WORKER = { 'delivery-worker': 'src/delivery-worker.ts' };

const requiredNode = minimumNode(JSON.parse(readFileSync('package.json', 'utf8')) as { engines?: { node?: string } });

rmSync('dist', { recursive: true, force: true });

const library: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
};
const esm = await build({
  ...library,
  entryPoints: { ...ENTRIES, ...WORKER },
  format: 'esm',
  splitting: true,
  outdir: 'dist/lib',
  chunkNames: 'chunk-[hash]',
  metafile: true,
});
// The CommonJS bundle finds the worker by its own URL, which only ESM has: it is given one.
await build({
  ...library,
  entryPoints: { index: ENTRIES.index },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  outdir: 'dist/lib',
  define: { 'import.meta.url': '__logkitModuleUrl' },
  banner: { js: "const __logkitModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// The version check runs on any Node, so it is built for an old one.
const check: BuildOptions = { entryPoints: ['src/node-version.ts'], platform: 'node', target: 'node14', logLevel: 'warning' };
await build({ ...check, format: 'esm', outfile: 'dist/node-version.js' });
await build({ ...check, format: 'cjs', outfile: 'dist/node-version.cjs' });

const names = esm.metafile.outputs['dist/lib/index.js']?.exports ?? [];
if (names.length === 0 || names.includes('default')) throw new Error('build: expected named exports only from src/index.ts');
const checkFirst = `assertSupportedNode(${JSON.stringify(requiredNode)});`;
writeFileSync(
  'dist/index.js',
  `import { assertSupportedNode } from './node-version.js';\n${checkFirst}\n` +
    `const library = await import('./lib/index.js');\nexport const { ${names.join(', ')} } = library;\n`,
);
writeFileSync('dist/index.cjs', `'use strict';\nrequire('./node-version.cjs').${checkFirst}\nmodule.exports = require('./lib/index.cjs');\n`);
writeFileSync(
  'dist/cli.js',
  `#!/usr/bin/env node\nimport { assertSupportedNode } from './node-version.js';\n` +
    `try {\n  ${checkFirst}\n} catch (error) {\n  process.stderr.write(\`\${error.message}\\n\`);\n  process.exit(1);\n}\n` +
    `await import('./lib/cli.js');\n`,
);
chmodSync('dist/cli.js', 0o755);

const declarations = await rollup({
  input: ENTRIES.index,
  plugins: [dts({ tsconfig: 'tsconfig.build.json' })],
  external: (id) => !id.startsWith('.') && !isAbsolute(id),
});
await declarations.write({ file: 'dist/index.d.ts', format: 'es' });
await declarations.write({ file: 'dist/index.d.cts', format: 'es' });
await declarations.close();

/** The lowest Node the package accepts, from `engines.node` (`>=22.15.0`): one place states it. */
function minimumNode(manifest: { engines?: { node?: string } }): string {
  const match = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines?.node ?? '');
  if (!match) throw new Error(`build: package.json engines.node must read ">=X.Y.Z", found ${manifest.engines?.node}`);
  return match[1]!;
}
