/**
 * The HTML conformance report in a real browser: a failing campaign against the
 * duplicate-pods mutant writes index.html with a counterexample; headless Chromium opens it and
 * the summary, the verdict table and the counterexample trace must render without console or
 * page errors. Skipped (with the reason) when /usr/bin/chromium is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ROOT = new URL('../../', import.meta.url);

if (!haveChromium) {
  console.warn(
    `test/browser/report.test.ts: skipped, ${CHROMIUM} is missing (install it with \`apt-get install -y chromium\`)`,
  );
}

describe.skipIf(!haveChromium)(`the HTML report in headless Chromium (${CHROMIUM})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-browser-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders the summary, the verdicts and the counterexample trace without errors', async () => {
    const run = spawnSync(
      process.execPath,
      [
        'bin/dsconform.mjs',
        'check',
        '--mutant',
        'duplicate-pods',
        '--profile',
        'core',
        '--seed',
        '1',
        '--runs',
        '300',
        '--report-dir',
        dir,
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
    const runs = readdirSync(join(dir, 'conformance'));
    expect(runs).toHaveLength(1);
    const html = join(dir, 'conformance', runs[0] as string, 'index.html');
    expect(existsSync(html)).toBe(true);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
      const requests: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) requests.push(req.url());
      });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

      expect(await page.title()).toContain('violation');
      const summary = page.locator('#summary');
      await expect.poll(() => summary.isVisible()).toBe(true);
      expect((await summary.locator('.verdict').first().textContent())?.trim()).toBe('violation');
      expect(await summary.textContent()).toContain('mutant');

      const verdictRows = page.locator('#verdicts tbody tr');
      expect(await verdictRows.count()).toBeGreaterThan(5);
      expect(await page.locator('#verdicts tbody tr.fail').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#verdicts tbody tr.fail code').first().textContent()).toBe('DS-SAFE-04');

      const traceRows = page.locator('#trace tbody tr');
      expect(await traceRows.count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#trace').isVisible()).toBe(true);
      expect((await traceRows.first().locator('td.event').textContent())?.length ?? 0).toBeGreaterThan(0);

      expect(errors).toEqual([]);
      expect(requests, 'the report is self-contained').toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
