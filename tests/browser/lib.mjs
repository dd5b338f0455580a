// Shared helpers: build a site with the real errbook binary, open it in headless
// Chromium from file://, and watch for console errors and requests leaving the folder.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = process.env.ERRBOOK_BIN || path.join(repo, 'target', 'release', 'errbook');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// Every temp folder a test file makes goes when its process exits (a built site is
// tens of MB; CI machines are reused). Best effort: a folder that cannot go (a server
// still writing into it) must not fail the tests.
const temps = [];
process.on('exit', () => {
  for (const dir of temps) {
    try { rmSync(dir, { recursive: true, force: true, maxRetries: 2 }); } catch { /* left */ }
  }
});

/** A new empty folder under the system's temp folder, removed when the tests end. */
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Copies the default site (or `fixture`, a folder holding `source/`) into a temp root. */
export function tempSite(fixture) {
  const root = tempDir('errbook-browser-');
  cpSync(path.join(fixture || repo, 'source'), path.join(root, 'source'), { recursive: true });
  return root;
}

/** Runs errbook; returns stdout. Throws with stderr on a non-zero exit. */
export function errbook(root, args) {
  return execFileSync(bin, ['--root', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds `root` into `<root>/output` and returns that folder. */
export function build(root, extra = []) {
  errbook(root, ['build', ...extra]);
  return path.join(root, 'output');
}

export async function launch() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--disable-quic', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page that records console errors, page errors, dialogs and every request that is not
 * a file inside `root`.
 */
export async function watchedPage(browser, root, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const prefix = pathToFileURL(root).href.replace(/\/?$/, '/');
  const problems = { console: [], outside: [], dialogs: [] };
  page.on('console', (msg) => { if (msg.type() === 'error') problems.console.push(`${page.url()}: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.console.push(`${page.url()}: ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(prefix) && !url.startsWith('data:') && url !== 'about:blank') problems.outside.push(url);
  });
  page.on('dialog', async (d) => { problems.dialogs.push(d.message()); await d.dismiss(); });
  return { context, page, problems };
}

/** Types into the page's search box and returns the hrefs of the results, in order. */
export async function searchFor(page, query) {
  const input = page.locator('form.search input[type=search]').first();
  await input.click();
  await input.fill('');
  await input.pressSequentially(query, { delay: 10 });
  const first = page.locator('.search-results li[role=option] a').first();
  await first.waitFor({ state: 'visible', timeout: 5000 });
  return page.$$eval('.search-results li[role=option] a', (as) => as.map((a) => a.getAttribute('href')));
}

export function fileUrl(...parts) {
  return pathToFileURL(path.join(...parts)).href;
}

export function screenshotsDir() {
  const dir = path.join(repo, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
