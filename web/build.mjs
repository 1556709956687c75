// build.mjs — bundle web/src into web/dist: minified, tree-shaken ES modules
// split into chunks (the shell; each view, loaded when opened; ECharts,
// loaded when the first chart is drawn; shared code) and CSS, with
// content-hashed names under dist/assets/, index.html rewritten to
// reference them and to preload (modulepreload) what the first view of a
// sign-in needs (the executive view and ECharts), static files from
// public/ copied as they are, and the Markdown of ../docs under dist/docs/.
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
  splitting: true,
  target: ['es2020'],
  outdir: path.join(tmp, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

// Map each entry point to the hashed file esbuild wrote.
const out = {};
let total = 0, totalGz = 0, largest = 0;
const outputs = result.metafile.outputs;
const relOf = (file) => '/' + path.relative(tmp, path.join(here, file)).split(path.sep).join('/');
const byEntry = {};
for (const [file, info] of Object.entries(outputs)) {
  const rel = relOf(file);
  if (info.entryPoint) byEntry[info.entryPoint] = file;
  if (info.entryPoint === 'src/main.js') out.js = rel;
  if (info.entryPoint === 'src/styles.css' || rel.endsWith('.css')) out.css = rel;
  if (rel.endsWith('.map')) continue;
  const buf = await readFile(path.join(here, file));
  total += buf.length;
  totalGz += gzipSync(buf, { level: 9 }).length;
  if (rel.endsWith('.js')) largest = Math.max(largest, buf.length);
}
if (!out.js || !out.css) throw new Error('build: entry outputs not found in metafile');

// What the first view needs, preloaded so its chunks load beside the shell
// rather than after it: the executive view (the CEO's first page) and
// ECharts, each with the chunks they import statically.
const preload = new Set();
function need(file) {
  if (!file || preload.has(file)) return;
  preload.add(file);
  for (const imp of outputs[file].imports || []) if (imp.kind === 'import-statement') need(imp.path);
}
for (const entry of ['src/views/executive.js', 'src/charts/echarts.js']) {
  if (!byEntry[entry]) throw new Error(`build: no chunk for ${entry} (is it still loaded with import()?)`);
  need(byEntry[entry]);
}
preload.delete(byEntry['src/main.js']);
for (const imp of outputs[byEntry['src/main.js']].imports || []) if (imp.kind === 'import-statement') preload.delete(imp.path);

let html = await readFile(path.join(here, 'index.html'), 'utf8');
const before = html;
html = html.replace('href="/src/styles.css"', `href="${out.css}"`)
           .replace('src="/src/main.js"', `src="${out.js}"`)
           .replace('</head>', [...preload].map((f) => `<link rel="modulepreload" href="${relOf(f)}">\n`).join('') + '</head>');
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
console.log(`web: bundle ${kb(total)}, gzipped ${kb(totalGz)}, ${Object.keys(outputs).filter((f) => f.endsWith('.js')).length} chunks, largest ${kb(largest)}, ${preload.size} preloaded`);
