// The queries both search benchmarks run: the third column of a queries.tsv (when given),
// then 300 words, word pairs and prefixes drawn with a fixed seed from `titles`.
'use strict';
const fs = require('fs');

module.exports = function benchQueries(tsvPath, titles) {
  const queries = [];
  if (tsvPath) {
    for (const line of fs.readFileSync(tsvPath, 'utf8').split('\n')) {
      if (line.startsWith('#') || !line.trim()) continue;
      queries.push(line.split('\t')[2]);
    }
  }
  let seed = 42;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const words = [];
  for (const t of titles) for (const w of String(t || '').split(/\s+/)) if (w.length > 1) words.push(w);
  for (let i = 0; i < 300 && words.length; i++) {
    const w = words[rand(words.length)];
    if (i % 3 === 0) queries.push(w);
    else if (i % 3 === 1) queries.push(`${w} ${words[rand(words.length)]}`);
    else queries.push(Array.from(w).slice(0, Math.max(1, Math.ceil(Array.from(w).length / 2))).join(''));
  }
  return queries;
};
