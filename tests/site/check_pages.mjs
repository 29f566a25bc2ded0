// Open built pages in headless Chromium with NO network and report what a reader would see:
// console errors, failed requests, whether MathJax rendered, images, iframes (Mapper graphs).
// Usage: PW_DIR=<folder whose node_modules has playwright-core> node tests/site/check_pages.mjs _build/html/book/X.html [...]
// Needs Debian's chromium (/usr/bin/chromium) and `npm install playwright-core`. Writes <page>.png beside it
// into $SHOT_DIR (default /tmp).
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.resolve(process.env.PW_DIR || '.') + '/');
const { chromium } = require('playwright-core');

const pages = process.argv.slice(2);
const shotDir = process.env.SHOT_DIR || '/tmp';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'],
});
let failed = 0;
for (const file of pages) {
  const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => requests.push(r.url()));
  await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
  await page.waitForTimeout(3000);
  const info = await page.evaluate(() => ({
    mathjax: document.querySelectorAll('mjx-container').length,
    rawMath: (document.body.innerText.match(/\\\(|\$\$/g) || []).length,
    images: Array.from(document.images).map((i) => i.naturalWidth > 0),
    iframes: document.querySelectorAll('iframe').length,
  }));
  const frameInfo = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    try {
      frameInfo.push(await f.evaluate(() => ({
        svg: document.querySelectorAll('svg').length,
        nodes: document.querySelectorAll('svg circle, svg path.node, svg .node').length,
        d3: typeof window.d3 !== 'undefined',
      })));
    } catch (e) { frameInfo.push({ error: String(e) }); }
  }
  const shot = path.join(shotDir, path.basename(file).replace(/\.html$/, '.png'));
  await page.screenshot({ path: shot, fullPage: false });
  const brokenImages = info.images.filter((ok) => !ok).length;
  console.log(JSON.stringify({ page: file, mathjax: info.mathjax, rawMath: info.rawMath, images: info.images.length,
    brokenImages, iframes: info.iframes, frames: frameInfo, consoleErrors: errors, failedRequests: requests, screenshot: shot }));
  if (errors.length || brokenImages || requests.length) failed += 1;
  await context.close();
}
await browser.close();
process.exit(failed ? 1 : 0);
