// Bytes of index the first query loads, over a built locale:
//   node bench/search-bytes.js output/ko-KR [tests/fixtures/search/queries.tsv] [source/ko-KR]
// For each query (queries.tsv plus 300 words, word pairs and prefixes drawn from the
// index's titles with a fixed seed, as bench/search-query.js draws them), a fresh page
// does what search.js does in the browser: load search-index.js, the term shards the
// query needs, rank, then the document shards of the first 10 results. Prints the max
// and p95 of those bytes, and every search-index*.js file summed against the locale's
// Markdown bytes (the third argument, default <output>/../../source/<locale>).
'use strict';
const fs = require('fs');
const path = require('path');
const dir = path.resolve(process.argv[2]);
const s = require(process.env.ERRBOOK_SEARCH_JS || path.join(__dirname, '..', 'themes', 'default', 'static', 'search.js'));
const size = (f) => fs.statSync(path.join(dir, f)).size;
const headFile = path.join(dir, 'search-index.js');
const headText = fs.readFileSync(headFile, 'utf8');
const freshHead = () => {
  const m = { exports: {} };
  new Function('module', 'globalThis', headText)(m, {});
  return m.exports;
};
const shards = {};
let total = size('search-index.js');
const titles = [];
for (const f of fs.readdirSync(dir)) {
  const m = /^search-index\.([td]\d+)\.js$/.exec(f);
  if (!m) continue;
  total += size(f);
  shards[m[1]] = { data: require(path.join(dir, f)), bytes: size(f) };
  if (m[1][0] === 'd') for (const d of shards[m[1]].data.docs) titles.push(d[2]);
}
const head0 = freshHead();
for (const d of head0.docs || []) titles.push(d[2]);

const queries = require('./queries.js')(process.argv[3], titles);

const loads = [];
for (const q of queries) {
  const head = freshHead();
  let bytes = headText.length === 0 ? 0 : size('search-index.js');
  let files = 1;
  const load = (names) => names.forEach((n) => {
    s.addShard(head, n, shards[n].data);
    bytes += shards[n].bytes;
    files++;
  });
  load(s.neededShards(head, q));
  const first = s.search(head, q, 10);
  load(s.neededDocShards(head, first.map((r) => r.doc)));
  loads.push({ q, bytes, files });
}
loads.sort((a, b) => a.bytes - b.bytes);
const at = (p) => loads[Math.min(loads.length - 1, Math.floor(p * loads.length))];
const max = loads[loads.length - 1];
const mb = (n) => (n / 1048576).toFixed(2) + ' MB';
const src = path.resolve(process.argv[4] ||
  path.join(dir, '..', '..', 'source', path.basename(dir)));
let markdown = 0;
if (fs.existsSync(src)) {
  for (const f of fs.readdirSync(src)) if (f.endsWith('.md')) markdown += fs.statSync(path.join(src, f)).size;
}
console.log(`${path.basename(dir)}: index ${total} bytes (${mb(total)}) in ${Object.keys(shards).length + 1} files, ` +
  `Markdown ${markdown} bytes (${markdown ? (total / markdown).toFixed(2) : '?'}×); head ${size('search-index.js')} bytes`);
console.log(`  first query, ${loads.length} queries: p50 ${mb(at(0.5).bytes)}, p95 ${mb(at(0.95).bytes)}, ` +
  `max ${mb(max.bytes)} (${max.files} files, ${JSON.stringify(max.q)})`);
