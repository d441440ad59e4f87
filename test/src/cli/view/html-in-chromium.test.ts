import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { runViewCommand } from '../../../../src/cli/view/command.js';
import { emitRequestAcrossServices, HOSTILE_BODY } from '../request-across-services.js';
import { runCaptured } from './capture.js';

/** The system Chromium (Debian's `chromium` package, installed by test/e2e/install.sh and .ci/run), or CHROMIUM_PATH. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

const chromium = findChromium();

describe('the --html page in a real headless Chromium', () => {
  if (!chromium) it.skip('needs a Chromium binary: none on PATH and CHROMIUM_PATH unset (apt-get install chromium)', () => {});

  it.skipIf(!chromium)('opens from a file without network or console errors, shows hostile log text as text without running it, and filters', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logkit-view-html-'));
    const request = await emitRequestAcrossServices({ OTEL_LOGS_EXPORTER: 'file', OTEL_LOGKIT_FILE_DIR: join(dir, 'out'), OTEL_BLRP_SCHEDULE_DELAY: '10' });
    const html = join(dir, 'request.html');
    expect((await runCaptured(runViewCommand, [request.globalId, '--file', join(dir, 'out'), '--html', html])).code).toBe(0);

    const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warn') problems.push(`console.${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.setViewport({ width: 1280, height: 900 });
      const url = pathToFileURL(html).href;
      await page.goto(url, { waitUntil: 'load' });

      const screenshot = join(dir, 'request.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      process.stdout.write(`[view html] screenshot: ${screenshot}\n`);
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);

      expect(problems).toEqual([]);
      expect(requests).toEqual([url]); // the page itself, nothing else
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.$$eval('img', (images) => images.length)).toBe(0);
      const errorText = await page.$eval('tr.error .text', (el) => el.textContent);
      expect(errorText).toBe(HOSTILE_BODY.replaceAll('\u001b', '\\u001b'));
      expect(await page.$eval('h1', (el) => el.textContent)).toBe(`request ${request.globalId}`);
      expect(await page.$$eval('tr.deferred .badge', (badges) => badges.map((b) => b.textContent))).toEqual(['deferred']);
      expect(await page.$$eval('tr.gap', (rows) => rows.map((r) => r.textContent))).toEqual([expect.stringContaining('#2 missing')]);

      const visible = () => page.$$eval('tr.rec', (rows) => rows.filter((r) => (r as unknown as { offsetParent: unknown }).offsetParent !== null).map((r) => r.querySelector('.text')!.textContent));
      expect(await visible()).toHaveLength(5);
      await page.click('#errors');
      expect(await visible()).toEqual([errorText]);
      await page.click('#errors');
      await page.type('#filter', 'card');
      expect(await visible()).toEqual(['card declined']);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
