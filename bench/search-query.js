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
const queries = require('./queries.js')(process.argv[3], allDocs.map((d) => d[2]));
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
