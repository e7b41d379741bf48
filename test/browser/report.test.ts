/**
 * The HTML conformance report in a real browser: a failing campaign against the
 * duplicate-pods mutant writes index.html with a counterexample; headless Chromium opens it and
 * the summary, the verdict table and the counterexample trace must render without console or
 * page errors. Skipped (with the reason) when /usr/bin/chromium is not installed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { dsconform as runCli } from '../robustness/support.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots for people to look at (reports/ is not committed). */
const SCREENSHOTS = fileURLToPath(new URL('../../reports/browser/', import.meta.url));
const haveChromium = existsSync(CHROMIUM);

/** The real command from the repository root (the robustness tests' runner), given two minutes. */
const dsconform = (args: string[]) => runCli(args, 120_000);

if (!haveChromium) {
  console.warn(
    `test/browser/report.test.ts: skipped, ${CHROMIUM} is missing (install it with \`apt-get install -y chromium\`)`,
  );
}

describe.skipIf(!haveChromium)(`the HTML report in headless Chromium (${CHROMIUM})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-browser-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders the summary, the verdicts and the counterexample trace without errors', async () => {
    const run = await dsconform([
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
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
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

      // Failure first: the box names the invariant, its statement, the message, the step and the
      // replay command, and sits above the fold; its link leads to the counterexample.
      const box = page.locator('#what-failed');
      expect(await box.textContent()).toContain('DS-SAFE-04');
      expect(await box.textContent()).toContain('no existing node has more than one live DaemonSet pod');
      expect(await box.locator('#replay-command').textContent()).toContain('dsconform replay');
      for (const [width, height] of [
        [1280, 800],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width, height });
        const top = await box.evaluate(
          (el) => el.getBoundingClientRect().top + (globalThis as unknown as { scrollY: number }).scrollY,
        );
        expect(top, `the "what failed" box at ${width} px`).toBeLessThan(height / 2);
        // In the page: the document's width beyond the viewport's.
        const overflow = await page.evaluate(() => {
          const w = globalThis as unknown as {
            innerWidth: number;
            document: { documentElement: { scrollWidth: number } };
          };
          return w.document.documentElement.scrollWidth - w.innerWidth;
        });
        expect(overflow, `nothing wider than the viewport at ${width} px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(SCREENSHOTS, `failing-report-${width}.png`) });
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await box.locator('a[href^="#counterexample-"]').click();
      const heading = page.locator('h2[id^="counterexample-"]');
      expect(await heading.evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(100);
      // The failing invariant's row links to the counterexample too.
      expect(await page.locator('#verdicts tr.fail a[href^="#counterexample-"]').count()).toBe(1);

      // The picture of the run: a lane per node, a column per step and the settled cluster, pods
      // as bars, the violating column outlined; the same SVG is written beside index.html.
      const timeline = page.locator('svg.timeline');
      expect(await timeline.count()).toBe(1);
      // (the trace table has a row for the settled cluster when the violation showed there; so has the timeline)
      expect(await timeline.locator('g.step').count()).toBe(await traceRows.count());
      expect(await timeline.locator('rect.pod').count()).toBeGreaterThan(0);
      expect(await timeline.locator('rect.failed-step').count()).toBe(1);
      const svgFile = join(dirname(html), 'timeline.svg');
      expect(readFileSync(svgFile, 'utf8')).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="timeline"');
      await timeline.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'failing-report-timeline-1280.png') });
      const svgPage = await browser.newPage({ viewport: { width: 1280, height: 600 } });
      await svgPage.goto(pathToFileURL(svgFile).href, { waitUntil: 'load' });
      expect(await svgPage.locator('rect.failed-step').count()).toBe(1);
      await svgPage.screenshot({ path: join(SCREENSHOTS, 'timeline.png') });

      // Printed (to PDF): the failure still first, the copy button gone, the timeline and the trace kept.
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('button.copy').isVisible()).toBe(false);
      expect(await box.isVisible()).toBe(true);
      const pdf = join(SCREENSHOTS, 'failing-report.pdf');
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });
      expect(statSync(pdf).size).toBeGreaterThan(10_000);
      await page.emulateMedia({ media: 'screen' });

      expect(errors).toEqual([]);
      expect(requests, 'the report is self-contained').toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a passing report has no "what failed" box, and fits a phone too', async () => {
    const passDir = join(dir, 'pass');
    const run = await dsconform(['check', '--profile', 'core', '--seed', '1', '--runs', '20', '--report-dir', passDir]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const runs = readdirSync(join(passDir, 'conformance'));
    const html = join(passDir, 'conformance', runs[0] as string, 'index.html');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      expect((await page.locator('#summary .verdict').first().textContent())?.trim()).toBe('conforms');
      expect(await page.locator('#what-failed').count()).toBe(0);
      const overflow = await page.evaluate(() => {
        const w = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
      expect(overflow, 'nothing wider than the viewport at 390 px').toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'passing-report-390.png') });
    } finally {
      await browser.close();
    }
  });

  /** The document's width beyond the viewport's, at each width; a screenshot of each. */
  async function overflowAt(page: import('playwright-core').Page, name: string): Promise<Record<number, number>> {
    const out: Record<number, number> = {};
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      out[width] = await page.evaluate(() => {
        const w = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`) });
    }
    return out;
  }

  it('a matrix report: the implementation × invariant grid, FAIL cells red, fits a phone', async () => {
    const matrixDir = join(dir, 'matrix');
    const mutant = `"${process.execPath}" bin/dsconform.mjs reference-controller --mutant rounds-percent-down`;
    const run = await dsconform([
      'matrix',
      '--controller',
      mutant,
      '--profile',
      'rolling-update',
      '--seed',
      '7',
      '--runs',
      '30',
      '--report-dir',
      matrixDir,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const [name] = readdirSync(join(matrixDir, 'matrix'));
    const html = join(matrixDir, 'matrix', name as string, 'matrix.html');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      expect(await page.locator('#matrix thead th').count()).toBe(4); // invariant, statement, A, B
      const fail = page.locator('#matrix td.FAIL');
      expect(await fail.count()).toBe(1);
      expect(
        await fail.evaluate(
          (el) =>
            (
              globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }
            ).getComputedStyle(el).backgroundColor,
        ),
      ).toBe('rgb(253, 226, 225)');
      expect(await page.locator('#matrix td.pass').count()).toBeGreaterThan(5);
      // What failed comes first, above the fold; then the grid as a picture (also matrix.svg).
      const box = page.locator('#what-failed');
      expect(await box.textContent()).toContain('counterexamples');
      expect(await box.evaluate((el) => el.getBoundingClientRect().bottom)).toBeLessThan(800);
      expect(await page.locator('svg.matrix-grid rect.cell.FAIL').count()).toBe(1);
      expect(await page.locator('svg.matrix-grid rect.cell.pass').count()).toBeGreaterThan(5);
      expect(readFileSync(join(dirname(html), 'matrix.svg'), 'utf8')).toContain('class="matrix-grid"');
      const overflow = await overflowAt(page, 'matrix-report');
      expect(overflow, 'nothing wider than the viewport').toEqual({ 1280: 0, 390: 0 });
    } finally {
      await browser.close();
    }
  });

  it('a differential report: what differed first, both timelines one above the other, fits a phone', async () => {
    const diffDir = join(dir, 'diff');
    const run = await dsconform([
      'diff',
      '--mutant',
      'ignores-max-surge',
      '--right-reference',
      '--seed',
      '3',
      '--runs',
      '300',
      '--report-dir',
      diffDir,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const [name] = readdirSync(join(diffDir, 'diff'));
    const html = join(diffDir, 'diff', name as string, 'index.html');
    expect(run.stdout).toContain(`Report: ${html}`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      const box = page.locator('#what-differed');
      expect(await box.textContent()).toContain('mutant ignores-max-surge');
      expect(await box.evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(400);
      const timelines = page.locator('svg.timeline');
      expect(await timelines.count()).toBe(2);
      expect(await page.locator('svg#timeline-left rect.failed-step').count()).toBe(1);
      expect(await page.locator('svg#timeline-right rect.failed-step').count()).toBe(1);
      // The same columns on both sides.
      expect(await page.locator('svg#timeline-left g.step').count()).toBe(
        await page.locator('svg#timeline-right g.step').count(),
      );
      expect(readFileSync(join(dirname(html), 'timeline.svg'), 'utf8')).toContain('class="timeline-pair"');
      const overflow = await overflowAt(page, 'diff-report');
      expect(overflow, 'nothing wider than the viewport').toEqual({ 1280: 0, 390: 0 });
    } finally {
      await browser.close();
    }
  });
});
