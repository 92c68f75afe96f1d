// The HTML report as a person sees it: rendered by headless Chromium (Debian's `chromium`, which .ci/run
// installs, and test/report/browser-setup.ts installs when it can). A missing browser fails this test rather
// than skipping it.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errscan } from '../helpers/cli.js';
import { fixtureDb, tmpDir } from './fixture-db.js';

const CHROMIUM = '/usr/bin/chromium';
let dir: string;
let file: string;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`);
  }
  dir = tmpDir('errscan-report-e2e-');
  const db = await fixtureDb(dir);
  const r = errscan(['report', '--db', db, '--day', '2026-11-16', '--tz', 'UTC', '--html']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  file = path.join(dir, 'report.html');
  fs.writeFileSync(file, r.stdout);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('HTML report in Chromium', () => {
  it('shows the title, the ranking, the chart and the <script> sample line as text, with no errors or requests', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));

    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(await page.title()).toBe('errscan report · 2026-11-16 · UTC');
    await expect.poll(() => page.locator('h1').innerText()).toBe('Top vendor errors · 2026-11-16');

    // The ranking: one row per code of the day, in order.
    const rows = page.locator('#ranking tbody tr');
    expect(await rows.count()).toBe(5);
    expect(await rows.nth(0).locator('td').nth(2).innerText()).toBe('-2326');
    expect(await rows.nth(0).locator('td').nth(4).innerText()).toBe('30');
    expect(await page.locator('#ranking').isVisible()).toBe(true);

    // The chart: a visible SVG with one stacked bar segment per code and day that had hits.
    const chart = page.locator('#trend svg');
    expect(await chart.isVisible()).toBe(true);
    const box = await chart.boundingBox();
    expect(box && box.width > 600 && box.height > 150).toBe(true);
    // 7 days (10th..16th): dwt:-2326 and pallycon:7011 on the 6 quiet days, qlm:209 on the 15th, all 5 codes on the 16th.
    expect(await page.locator('#trend svg rect.mark').count()).toBe(6 * 2 + 1 + 5);
    const tallest = await page.locator('#trend svg rect.mark').evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().height)));
    expect(tallest).toBeGreaterThan(50);

    // The <script> in a log line is shown as text and never ran.
    const sample = page.locator('pre.sample', { hasText: '<script>document.title="pwned";window.__pwned=1</script>' });
    expect(await sample.count()).toBe(1);
    expect(await sample.isVisible()).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.title()).toBe('errscan report · 2026-11-16 · UTC');
    expect(await page.locator('script').count()).toBe(0);

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    await page.close();
  });

  it('fits a narrow screen without horizontal scrolling of the page', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 800 } });
    await page.goto(pathToFileURL(file).href);
    const [scroll, client] = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return [root.scrollWidth, root.clientWidth];
    });
    expect(await page.locator('#trend svg').isVisible()).toBe(true);
    await page.close();
    expect(scroll).toBeLessThanOrEqual(client);
  });
});
