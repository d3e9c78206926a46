// Prints the minified + gzipped size of the library as a bundler would ship it: the modules
// concatenated in import order (imports dropped, one export list), minified with the pinned
// terser, gzipped at level 9. Also per use: the relay client alone, the bridge client alone.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const SRC = new URL('../src/', import.meta.url);
const ENTRIES = {
  'relay + bridge clients': ['LifeguardClient', 'BridgeClient'],
  'relay client only (LifeguardClient)': ['LifeguardClient'],
  'bridge client only (BridgeClient)': ['BridgeClient'],
};

function load(file, seen = new Map()) {
  if (seen.has(file)) return seen;
  const text = readFileSync(new URL(file, SRC), 'utf8');
  for (const match of text.matchAll(/^import [^;]*? from '\.\/([a-z-]+\.js)';$/gms)) load(match[1], seen);
  seen.set(file, text);
  return seen;
}

const entryFile = { LifeguardClient: 'client.js', BridgeClient: 'bridge.js' };
for (const [label, names] of Object.entries(ENTRIES)) {
  const modules = new Map();
  for (const name of names) load(entryFile[name], modules);
  const body = [...modules.values()]
    .map((text) => text.replace(/^import [^;]*? from '[^']+';$/gms, '').replace(/^export (?=(class|function|async function|const|let) )/gm, ''))
    .join('\n');
  const { code } = await minify(`${body}\nexport { ${names.join(', ')} };`, { module: true, compress: { passes: 2 }, mangle: true });
  const raw = Buffer.byteLength(body);
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`${label}: ${modules.size} modules, ${raw} B source, ${code.length} B minified, ${gzipped} B min+gzip`);
}
