// `errbook serve` in a real browser: a page reloads by itself after an edit, a broken
// edit shows the diagnostics overlay over the last good page, and the fix removes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { bin, launch, tempSite } from './lib.mjs';

const GUIDE = path.join('source', 'ko-KR', 'backup-azure-mabs-troubleshoot.md');
const PAGE = '/ko-KR/backup-azure-mabs-troubleshoot/index.html';
const TITLE = 'title: Azure Backup Server 문제 해결';
const WAIT = 60_000;

/** Starts `errbook serve --port 0`; resolves with the server and its base URL. */
function serve(root) {
  const child = spawn(bin, ['--root', root, 'serve', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${log}`)), WAIT);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/serving (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve({ child, base: m[1], log: () => log }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}:\n${log}`)); });
  });
}

/** Writes like an editor's atomic save: a temp file renamed over the guide. */
function save(file, text) {
  const tmp = `${file}.tmp-save`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

test('an open page reloads after an edit and shows the overlay for a broken one', async () => {
  const root = tempSite();
  const file = path.join(root, GUIDE);
  const original = readFileSync(file, 'utf8');
  assert.ok(original.includes(TITLE));
  const server = await serve(root);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const dialogs = [];
    page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
    // The live-reload script is connected before we edit.
    const connected = page.waitForResponse((r) => r.url().includes('/__errbook/events'), { timeout: WAIT });
    await page.goto(server.base + PAGE);
    assert.match(await page.locator('h1').innerText(), /Azure Backup Server/);
    assert.equal((await connected).status(), 200);

    // 1. An edit: the page reloads by itself and shows the new title.
    let loads = 0;
    page.on('load', () => { loads += 1; });
    save(file, original.replace(TITLE, `${TITLE} 라이브`));
    await page.waitForFunction(() => document.title.includes('라이브'),
      null, { timeout: WAIT });
    assert.ok(loads >= 1, 'the page was reloaded, not patched');

    // 2. Broken front matter: the overlay names the file and line; the page stays.
    save(file, original.replace(TITLE, 'title: [unclosed'));
    const overlay = page.locator('#errbook-live-overlay');
    await overlay.waitFor({ state: 'visible', timeout: WAIT });
    const text = await overlay.innerText();
    assert.match(text, /backup-azure-mabs-troubleshoot\.md:\d+:\d+/);
    assert.match(await page.title(), /라이브/, 'the last good page stays under the overlay');

    // 3. The fix: the overlay goes away and the page shows the fixed title.
    save(file, original.replace(TITLE, `${TITLE} 수정됨`));
    await page.waitForFunction(() => document.title.includes('수정됨')
      && !document.getElementById('errbook-live-overlay'), null, { timeout: WAIT });
    assert.deepEqual(dialogs, []);
  } finally {
    await browser.close();
    server.child.kill('SIGINT');
  }
});

test('an open locale home reloads when an edit changes the guide list, after the edit', async () => {
  const root = tempSite();
  const file = path.join(root, GUIDE);
  const original = readFileSync(file, 'utf8');
  const server = await serve(root);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const connected = page.waitForResponse((r) => r.url().includes('/__errbook/events'), { timeout: WAIT });
    // The folder URL, as people type it: the script maps it to `index.html`.
    await page.goto(`${server.base}/ko-KR/`);
    await connected;
    save(file, original.replace(TITLE, `${TITLE} 목록`));
    await page.waitForFunction(() => document.body.innerText.includes('문제 해결 목록'),
      null, { timeout: WAIT });
  } finally {
    await browser.close();
    server.child.kill('SIGINT');
  }
});
