// Query-time benchmark over a built locale, shards included:
//   node bench/search-query.js output/ko-KR [tests/fixtures/search/queries.tsv]
// Loads search-index.js and every shard it names into the real search.js (as Node
// modules), then runs queries.tsv plus 300 words, word pairs and prefixes drawn from the
// index with a fixed seed. Prints index bytes, load time and p50/p95/max per query.
'use strict';
const fs = require('fs');
const path = require('path');
const dir = path.resolve(process.argv[2]);
const s = require(path.join(__dirname, '..', 'themes', 'default', 'static', 'search.js'));
let t0 = process.hrtime.bigint();
const index = require(path.join(dir, 'search-index.js'));
let bytes = fs.statSync(path.join(dir, 'search-index.js')).size;
const allDocs = (index.docs || []).slice();
for (const f of fs.readdirSync(dir)) {
  const m = /^search-index\.([td]\d+)\.js$/.exec(f);
  if (m) {
    bytes += fs.statSync(path.join(dir, f)).size;
    const shard = require(path.join(dir, f));
    if (shard.docs) allDocs.push(...shard.docs);
    s.addShard(index, m[1], shard);
  }
}
s.search(index, 'warm');
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const queries = [];
if (process.argv[3]) {
  for (const line of fs.readFileSync(process.argv[3], 'utf8').split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    queries.push(line.split('\t')[2]);
  }
}
let seed = 42;
const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const words = [];
for (const d of allDocs) for (const w of String(d[2] || '').split(/\s+/)) if (w.length > 1) words.push(w);
for (let i = 0; i < 300 && words.length; i++) {
  const w = words[rand(words.length)];
  if (i % 3 === 0) queries.push(w);
  else if (i % 3 === 1) queries.push(`${w} ${words[rand(words.length)]}`);
  else queries.push(Array.from(w).slice(0, Math.max(1, Math.ceil(Array.from(w).length / 2))).join(''));
}
const times = [];
for (const q of queries) {
  t0 = process.hrtime.bigint();
  s.search(index, q, 10);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
console.log(`${path.basename(dir)}: index ${bytes} bytes (first load ${fs.statSync(path.join(dir, 'search-index.js')).size}); ` +
  `${queries.length} queries: load ${loadMs.toFixed(0)} ms, p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${times[times.length - 1].toFixed(2)} ms`);
