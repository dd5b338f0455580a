// The built default site in Chromium, opened from file:// (issue 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repo, tempSite, build, launch, watchedPage, fileUrl, screenshotsDir } from './lib.mjs';

let browser; let out;
const GUIDE = 'backup-azure-mabs-troubleshoot';

before(async () => {
  out = build(tempSite());
  browser = await launch();
});
after(async () => { await browser?.close(); });

function entryIds(locale) {
  const model = JSON.parse(readFileSync(path.join(out, locale, 'errors.json'), 'utf8'));
  return model.locales[0].guides.flatMap((g) => g.entries.map((e) => `${g.slug}/${e.id}`));
}

test('home, guide and the 0x29834 page load from file:// with no console errors and no outside requests', async () => {
  const { page, problems, context } = await watchedPage(browser, out);
  await page.goto(fileUrl(out, 'index.html'));
  await page.waitForURL(/ko-KR\/index\.html$/, { timeout: 5000 });
  await page.goto(fileUrl(out, 'ko-KR', GUIDE, 'index.html'));
  await page.goto(fileUrl(out, 'ko-KR', GUIDE, '0x29834.html'));
  const text = await page.locator('main').innerText();
  assert.match(text, /이 오류는 보안 설정이 활성화된 경우/, 'cause shown');
  assert.match(text, /정책 관련 업데이트를 계속하려면/, 'resolution shown');
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});

test("following the home page's links reaches every error page", async () => {
  const { page, problems, context } = await watchedPage(browser, out);
  const outUrl = fileUrl(out) + '/';
  for (const locale of ['ko-KR', 'en-US']) {
    const want = new Set(entryIds(locale).map((id) => `${outUrl}${locale}/${id}.html`));
    const seen = new Set();
    const queue = [fileUrl(out, locale, 'index.html')];
    while (queue.length && seen.size < 500) {
      const url = queue.shift();
      if (seen.has(url)) continue;
      seen.add(url);
      await page.goto(url);
      let links = [];
      // Code pages send the visitor on with a meta refresh: read the page it lands on.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        try {
          await page.waitForLoadState('load');
          links = await page.$$eval('a[href]', (as) => as.map((a) => a.href.split('#')[0]));
          break;
        } catch (e) {
          if (!String(e).includes('Execution context was destroyed')) throw e;
        }
      }
      for (const l of links) {
        // Code pages only redirect (meta refresh) to error pages that are linked elsewhere.
        const redirect = l.includes('/codes/') && !l.endsWith('/codes/index.html');
        if (l.startsWith(`${outUrl}${locale}/`) && l.endsWith('.html') && !redirect && !seen.has(l)) queue.push(l);
      }
    }
    const missing = [...want].filter((u) => !seen.has(decodeURI(u)) && !seen.has(u));
    assert.deepEqual(missing, [], `${locale}: error pages not reachable from the home page`);
  }
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});

test('screenshots: home, guide and an error page at 1280 and 390 px, light and dark', async () => {
  const dir = screenshotsDir();
  const pages = { home: ['ko-KR', 'index.html'], guide: ['ko-KR', GUIDE, 'index.html'], error: ['ko-KR', GUIDE, '0x29834.html'] };
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      const { page, context } = await watchedPage(browser, out, { viewport: { width, height }, colorScheme: scheme });
      for (const [name, parts] of Object.entries(pages)) {
        await page.goto(fileUrl(out, ...parts));
        await page.screenshot({ path: path.join(dir, `${name}-${width}-${scheme}.png`) });
      }
      await context.close();
    }
  }
});

test('screenshots: a callout-rich corpus page, light and dark', async () => {
  const corpus = build(tempSite(path.join(repo, 'tests', 'fixtures', 'corpus')));
  const dir = screenshotsDir();
  for (const scheme of ['light', 'dark']) {
    const { page, problems, context } = await watchedPage(browser, corpus, { viewport: { width: 1280, height: 900 }, colorScheme: scheme });
    await page.goto(fileUrl(corpus, 'en-US', 'backup-azure-system-state-troubleshoot', 'index.html'));
    const callouts = page.locator('.callout');
    assert.equal(await callouts.count(), 2);
    await callouts.first().scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -120));
    await page.screenshot({ path: path.join(dir, `callouts-1280-${scheme}.png`) });
    assert.deepEqual(problems.outside, []);
    await context.close();
  }
});
