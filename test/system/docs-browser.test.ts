/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type ListeningGateway } from '../fixtures.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';

describe('/docs in a real browser', () => {
  let gw: ListeningGateway;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    gw = await startGateway();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('is an API reference served by the gateway itself: no CSP violation, no other origin, every operation shown', async () => {
    const { page } = browser;
    const problems = pageProblems(page);
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    await page.goto(`${gw.url}/docs`);
    await page.waitForSelector('.opblock');
    const spec = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    // Swagger UI shows each operation as a block: method and path.
    await page.waitForFunction((count) => document.querySelectorAll('.opblock').length >= count, operations.length);
    const shown = await page.$$eval('.opblock', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    expect(shown.sort()).toEqual(operations.sort());
    // Opened, an operation shows its parameters and answers; "Try it out" calls this gateway.
    await page.click('#operations-account-postSignup .opblock-summary');
    await page.waitForSelector('#operations-account-postSignup .responses-wrapper');
    await page.click('#operations-account-postSignup .try-out__btn');
    await page.waitForSelector('#operations-account-postSignup .execute');
    expect([...origins].filter((o) => o !== gw.url && !o.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
