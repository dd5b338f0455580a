// A sharded search index (issue 9) in Chromium from file://: a generated site whose ko-KR
// index is over the 2 MB sharding threshold finds an entry by its code and by words,
// loading its shards by <script> (fetch() does not work from file://), not all of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bin, build, tempDir, launch, watchedPage, fileUrl, searchFor } from './lib.mjs';

// `cargo test` builds the examples beside the binary.
const gencorpus = process.env.ERRBOOK_GENCORPUS
  || path.join(path.dirname(bin), 'examples', 'gencorpus');

let browser; let out; let shards;
// Each (guide slug, entry id) of ko-KR by normalized code.
const byCode = new Map();

before(async () => {
  const root = tempDir('errbook-sharded-');
  // 130 guides per locale: ko-KR's index is ~2.5 MB, over the threshold.
  execFileSync(gencorpus, ['--guides', '130', '--out', root], { stdio: 'ignore' });
  out = build(root);
  shards = readdirSync(path.join(out, 'ko-KR')).filter((f) => /^search-index\.[td]\d+\.js$/.test(f));
  const errors = JSON.parse(readFileSync(path.join(out, 'ko-KR', 'errors.json'), 'utf8'));
  for (const g of errors.locales[0].guides) {
    for (const e of g.entries) {
      for (const c of e.codes) {
        if (!byCode.has(c.normalized)) byCode.set(c.normalized, []);
        byCode.get(c.normalized).push(`${g.slug}/${e.id}.html`);
      }
    }
  }
  browser = await launch();
});
after(async () => { await browser?.close(); });

test('the ko-KR index of the generated site is sharded', () => {
  assert.ok(shards.some((f) => f.includes('.t')), `term shards: ${shards}`);
  assert.ok(shards.some((f) => f.includes('.d')), `document shards: ${shards}`);
});

test('a code finds its entry first from a sharded index, loading only some shards', async () => {
  const { page, problems, context } = await watchedPage(browser, out);
  const loaded = new Set();
  page.on('request', (r) => {
    const m = /search-index\.([td]\d+)\.js$/.exec(r.url());
    if (m) loaded.add(m[1]);
  });
  // A code of the last guides, whose documents are in the last document shards.
  const code = [...byCode.keys()].filter((c) => /^\d{5,}$/.test(c)).pop();
  assert.ok(code, 'the generated site has numeric codes');
  await page.goto(fileUrl(out, 'ko-KR', 'index.html'));
  const hrefs = await searchFor(page, code);
  assert.ok(byCode.get(code).some((p) => hrefs[0].endsWith(p)), `${code}: first result ${hrefs[0]}`);
  await page.goto(new URL(hrefs[0], page.url()).href);
  assert.match(await page.locator('main').innerText(), new RegExp(code));
  assert.ok(loaded.size > 0, 'shards were loaded');
  assert.ok(loaded.size < shards.length, `${loaded.size} of ${shards.length} shards loaded`);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});

test('Korean words find entries from a sharded index, and results open', async () => {
  const { page, problems, context } = await watchedPage(browser, out);
  await page.goto(fileUrl(out, 'ko-KR', 'index.html'));
  const hrefs = await searchFor(page, '여유 공간');
  assert.ok(hrefs.length >= 5, `results: ${hrefs}`);
  await page.goto(new URL(hrefs[0], page.url()).href);
  assert.match(await page.locator('main').innerText(), /여유 공간/);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});
