// Localized sites and offline bundles in Chromium (issue 7): the language switch on every
// ko-KR error page lands on the same entry in en-US; the ko-KR bundle, unzipped, works
// from file:// (home, search for 0x29834, the entry page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import path from 'node:path';
import { tempSite, tempDir, build, errbook, launch, watchedPage, fileUrl } from './lib.mjs';

const GUIDE = 'backup-azure-mabs-troubleshoot';
let browser; let root; let out;

before(async () => {
  root = tempSite();
  out = build(root);
  browser = await launch();
});
after(async () => { await browser?.close(); });

function entryIds(locale) {
  const model = JSON.parse(readFileSync(path.join(out, locale, 'errors.json'), 'utf8'));
  return model.locales[0].guides.find((g) => g.slug === GUIDE).entries.map((e) => e.id);
}

/** Extracts a zip (stored or deflated entries, as errbook writes them) into `dir`. */
function unzip(file, dir) {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    assert.ok(!name.startsWith('/') && !name.split('/').includes('..'), `safe name ${name}`);
    const target = path.join(dir, ...name.split('/'));
    mkdirSync(path.dirname(target), { recursive: true });
    if (!name.endsWith('/')) writeFileSync(target, method === 8 ? inflateRawSync(data) : data);
  }
}

test('the language switch on each of the 27 ko-KR error pages lands on the same entry in en-US', async () => {
  const ids = entryIds('ko-KR');
  assert.equal(ids.length, 27);
  const { page, problems, context } = await watchedPage(browser, out);
  for (const id of ids) {
    await page.goto(fileUrl(out, 'ko-KR', GUIDE, `${id}.html`));
    await Promise.all([
      page.waitForEvent('load'),
      page.locator('nav.locales a[hreflang="en-US"]').click(),
    ]);
    const landed = decodeURIComponent(new URL(page.url()).pathname);
    assert.ok(landed.endsWith(`/en-US/${GUIDE}/${id}.html`), `${id}: landed on ${landed}`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en-US');
    // The English page switches back to the same Korean entry.
    const back = await page.locator('nav.locales a[hreflang="ko-KR"]').getAttribute('href');
    assert.ok(decodeURIComponent(back).endsWith(`ko-KR/${GUIDE}/${id}.html`), `${id}: back ${back}`);
  }
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});

test('the ko-KR bundle, unzipped, works from file://: home, search for 0x29834, the entry page', async () => {
  const bundles = path.join(root, 'bundles');
  errbook(root, ['bundle', '--locale', 'ko-KR', '-q']);
  const zips = readdirSync(bundles);
  assert.deepEqual(zips, ['azure-backup-server-ko-KR.zip']);
  const dir = tempDir('errbook-bundle-');
  unzip(path.join(bundles, zips[0]), dir);

  const { page, problems, context } = await watchedPage(browser, dir);
  await page.goto(fileUrl(dir, 'index.html'));
  await page.waitForURL(/ko-KR\/index\.html$/, { timeout: 5000 });
  await page.waitForLoadState('load');
  await page.locator('#eb-search-input').fill('0x29834');
  const hit = page.locator('#eb-search-results a').first();
  await hit.waitFor({ timeout: 5000 });
  const href = await hit.getAttribute('href');
  assert.match(href, /0x29834\.html$/, `first result ${href}`);
  await Promise.all([page.waitForEvent('load'), hit.click()]);
  assert.ok(page.url().endsWith(`/ko-KR/${GUIDE}/0x29834.html`), page.url());
  const text = await page.locator('main').innerText();
  assert.match(text, /이 오류는 보안 설정이 활성화된 경우/);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});
