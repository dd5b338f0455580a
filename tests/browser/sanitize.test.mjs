// Hostile guides in Chromium (issue 10): searching for a message holding
// `<img src=x onerror=alert(1)>` opens no dialog and shows the text literally; with
// `--sanitize`, no error page has a script of the guide, an `on…` attribute or a
// `javascript:` link left, and opening them opens no dialog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { repo, tempSite, build, launch, watchedPage, fileUrl, searchFor } from './lib.mjs';

const PAYLOAD = '<img src=x onerror=alert(1)>';
let browser; let plain; let clean;

before(async () => {
  const root = tempSite(path.join(repo, 'tests', 'fixtures', 'xss'));
  plain = build(root);
  clean = build(root, ['--sanitize', '--out', 'sanitized']).replace(/output$/, 'sanitized');
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** `<locale>/<guide>/<id>.html` of every error page under `out`. */
function errorPages(out) {
  const pages = [];
  for (const guide of readdirSync(path.join(out, 'en-US'), { withFileTypes: true })) {
    if (!guide.isDirectory() || guide.name === 'codes') continue;
    for (const f of readdirSync(path.join(out, 'en-US', guide.name))) {
      if (f.endsWith('.html') && f !== 'index.html') pages.push(['en-US', guide.name, f]);
    }
  }
  return pages;
}

for (const [name, site] of [['without', () => plain], ['with', () => clean]]) {
  test(`${name} --sanitize: searching for the payload opens no dialog and shows it as text`, async () => {
    const out = site();
    const { page, problems, context } = await watchedPage(browser, out);
    await page.goto(fileUrl(out, 'en-US', 'index.html'));
    await searchFor(page, 'zebrafish');
    const texts = await page.$$eval('.search-results li[role=option]', (lis) => lis.map((li) => li.textContent));
    assert.ok(texts.some((t) => t.includes(PAYLOAD)), texts.join(' | '));
    assert.equal(await page.locator('.search-results img, .search-results script').count(), 0);
    // The same on the search page, which renders snippets from the index too.
    await page.goto(`${fileUrl(out, 'en-US', 'search.html')}?q=zebrafish`);
    await page.locator('li').filter({ hasText: PAYLOAD }).first().waitFor({ timeout: 5000 });
    assert.equal(await page.locator('main img').count(), 0);
    await page.waitForTimeout(300);
    assert.deepEqual(problems.dialogs, []);
    await context.close();
  });
}

test('without --sanitize the author\'s HTML runs (the dialog watcher sees it)', async () => {
  // The data: image of 7102 fails to decode and its onerror handler opens a dialog.
  const { page, problems, context } = await watchedPage(browser, plain);
  await page.goto(fileUrl(plain, 'en-US', 'handlers', '7102.html'));
  await page.waitForTimeout(500);
  assert.ok(problems.dialogs.length > 0, 'no dialog: the payload did not reach the page');
  await context.close();
});

test('with --sanitize no error page keeps a script, a handler or a javascript: link', async () => {
  const pages = errorPages(clean);
  assert.ok(pages.length >= 7, pages.join(', '));
  const { page, problems, context } = await watchedPage(browser, clean);
  for (const parts of pages) {
    await page.goto(fileUrl(clean, ...parts));
    const found = await page.evaluate(() => {
      const all = [...document.querySelectorAll('*')];
      return {
        scripts: [...document.scripts]
          .filter((s) => !/\/(assets\/[a-z-]+|[a-zA-Z-]+\/search-index)\.js$/.test(s.src))
          .map((s) => s.outerHTML),
        handlers: all.flatMap((el) => [...el.attributes]
          .filter((a) => a.name.toLowerCase().startsWith('on'))
          .map((a) => `${el.tagName} ${a.name}`)),
        scriptUrls: all.flatMap((el) => ['href', 'src', 'action', 'formaction', 'data']
          .map((a) => el.getAttribute(a))
          .filter((v) => v && /^\s*(javascript|vbscript|data):/i.test(v.replace(/[\s\u0000-\u001f]/g, '')))
          .map((v) => `${el.tagName} ${v}`)),
        embedded: document.querySelectorAll('main iframe, main object, main embed, main style, main svg').length,
      };
    });
    const where = parts.join('/');
    assert.deepEqual(found.scripts, [], `${where}: scripts`);
    assert.deepEqual(found.handlers, [], `${where}: handlers`);
    assert.deepEqual(found.scriptUrls, [], `${where}: script URLs`);
    assert.equal(found.embedded, 0, `${where}: embedded content`);
  }
  // The messages are still there, as text and harmless markup.
  await page.goto(fileUrl(clean, 'en-US', 'handlers', '7101.html'));
  assert.match(await page.locator('main').innerText(), /Octopus bold handler/);
  await page.waitForTimeout(300);
  assert.deepEqual(problems.dialogs, []);
  assert.deepEqual(problems.outside, []);
  await context.close();
});
