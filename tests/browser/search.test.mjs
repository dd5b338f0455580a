// Search in Chromium from file:// (issue 4): codes, Korean phrases, CamelCase parts,
// keyboard, the header search on error and guide pages, and hostile index text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repo, tempSite, build, launch, watchedPage, fileUrl, searchFor } from './lib.mjs';

let browser; let out;
const GUIDE = 'backup-azure-mabs-troubleshoot';

before(async () => {
  out = build(tempSite());
  browser = await launch();
});
after(async () => { await browser?.close(); });

for (const [query, id] of [
  ['0x29834', '0x29834'],
  ['복제본 불일치', 'replica-is-inconsistent'],
  ['ReplicaCloning', 'cbpsourcesnapshotfailedreplicacloningissue'],
]) {
  test(`typing ${query} on the home page shows ${id} first, Enter opens it`, async () => {
    const { page, problems, context } = await watchedPage(browser, out);
    await page.goto(fileUrl(out, 'ko-KR', 'index.html'));
    const hrefs = await searchFor(page, query);
    assert.ok(hrefs[0].endsWith(`${GUIDE}/${id}.html`), `first result ${hrefs[0]}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`${id.replace('.', '\\.')}\\.html$`));
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.outside, []);
    await context.close();
  });
}

test('the header search works on an error page and on the guide page', async () => {
  const { page, problems, context } = await watchedPage(browser, out);
  for (const parts of [['ko-KR', GUIDE, '0x29834.html'], ['ko-KR', GUIDE, 'index.html']]) {
    await page.goto(fileUrl(out, ...parts));
    const hrefs = await searchFor(page, '4024');
    const target = new URL(hrefs[0], page.url());
    assert.ok(target.pathname.endsWith(`${GUIDE}/4024.html`), target.href);
    await page.goto(target.href);
    assert.match(await page.locator('h1').innerText(), /Microsoft Azure Recovery Services 설치에 실패했습니다/);
  }
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('"/" focuses the search box; arrows move through results', async () => {
  const { page, context } = await watchedPage(browser, out);
  await page.goto(fileUrl(out, 'ko-KR', GUIDE, 'index.html'));
  await page.keyboard.press('/');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('type'));
  assert.equal(focused, 'search');
  await page.keyboard.type('백업');
  await page.locator('.search-results li[role=option]').nth(1).waitFor();
  await page.keyboard.press('ArrowDown');
  const selected = await page.locator('.search-results li[aria-selected=true]').getAttribute('id');
  assert.match(selected, /-1$/);
  await context.close();
});

test('hostile text in messages is shown as text in results; no dialog opens', async () => {
  const site = build(tempSite(path.join(repo, 'tests', 'fixtures', 'xss')));
  const { page, problems, context } = await watchedPage(browser, site);
  await page.goto(fileUrl(site, 'en-US', 'index.html'));
  await searchFor(page, 'zebrafish');
  const texts = await page.$$eval('.search-results li[role=option]', (lis) => lis.map((li) => li.textContent));
  assert.ok(texts.some((t) => t.includes('<img src=x onerror=alert(1)>')), texts.join(' | '));
  assert.ok(texts.some((t) => t.includes('<script>alert(1)</script>')), texts.join(' | '));
  assert.equal(await page.locator('.search-results img, .search-results script').count(), 0);
  await page.waitForTimeout(300);
  assert.deepEqual(problems.dialogs, []);
  await context.close();
});
