// build.mjs — bundle web/src into web/dist: minified, tree-shaken ES module and
// CSS with content-hashed names under dist/assets/, index.html rewritten to
// reference them, static files from public/ copied as they are, and the
// Markdown of ../docs under dist/docs/.
import * as esbuild from 'esbuild';
import { readFile, writeFile, rm, mkdir, cp, rename } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const tmp = path.join(here, 'dist.tmp');

await rm(tmp, { recursive: true, force: true });
await mkdir(path.join(tmp, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js', style: 'src/styles.css' },
  bundle: true,
  minify: true,
  treeShaking: true,
  format: 'esm',
  target: ['es2020'],
  outdir: path.join(tmp, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

// Map each entry point to the hashed file esbuild wrote.
const out = {};
let total = 0, totalGz = 0;
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  const rel = '/' + path.relative(tmp, path.join(here, file)).split(path.sep).join('/');
  if (info.entryPoint === 'src/main.js') out.js = rel;
  if (info.entryPoint === 'src/styles.css' || rel.endsWith('.css')) out.css = rel;
  const buf = await readFile(path.join(here, file));
  total += buf.length;
  totalGz += gzipSync(buf, { level: 9 }).length;
}
if (!out.js || !out.css) throw new Error('build: entry outputs not found in metafile');

let html = await readFile(path.join(here, 'index.html'), 'utf8');
const before = html;
html = html.replace('href="/src/styles.css"', `href="${out.css}"`)
           .replace('src="/src/main.js"', `src="${out.js}"`);
if (html === before || html.includes('/src/')) throw new Error('build: index.html references were not rewritten');
await writeFile(path.join(tmp, 'index.html'), html);
await cp(path.join(here, 'public'), tmp, { recursive: true });
// The documentation (Markdown, served as text at /docs/…): the "No data yet"
// state links /docs/ingest.md.
await cp(path.join(here, '..', 'docs'), path.join(tmp, 'docs'), {
  recursive: true, filter: (src) => !path.extname(src) || src.endsWith('.md'),
});

// Swap the finished tree in at once so a running nginx never serves half a build.
await rm(dist, { recursive: true, force: true });
await rename(tmp, dist);

const kb = (n) => (n / 1024).toFixed(1) + ' KB';
console.log(`web: ${out.js} ${out.css}`);
console.log(`web: bundle ${kb(total)}, gzipped ${kb(totalGz)}`);
