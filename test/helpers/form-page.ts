/// <reference lib="dom" />
import type { Page } from 'playwright-core';

/** What /form showed for a submitted form: its status (as the page wrote it) and the JSON below it. */
export interface FormResult {
  readonly status: string;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/**
 * Submits one of /form's forms in `page` — `primary` (the one the URL's action opened) or the one
 * under "Other actions" for an endpoint (its section opened first) — with `values` typed into its
 * fields, and waits for the answer the page shows.
 */
export function formSubmitter(page: Page) {
  return async (form: string, values: Record<string, string> = {}): Promise<FormResult> => {
    const selector = form === 'primary' ? '#primary form' : `details form[data-endpoint="${form}"]`;
    if (form !== 'primary') {
      const closed = page.locator(`details:not([open]):has(form[data-endpoint="${form}"]) summary`);
      if ((await closed.count()) > 0) await closed.click();
    }
    for (const [name, value] of Object.entries(values)) await page.fill(`${selector} input[name="${name}"]`, value);
    await page.evaluate(() => {
      (document.getElementById('result') as HTMLElement).dataset.status = '';
    });
    await page.click(`${selector} button[type="submit"]`);
    await page.waitForFunction(() => !['', 'pending'].includes(document.getElementById('result')?.dataset.status ?? ''));
    const { status, text } = await page.evaluate(() => {
      const result = document.getElementById('result') as HTMLElement;
      return { status: result.dataset.status ?? '', text: result.textContent ?? '' };
    });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
    } catch {}
    return { status, text, body };
  };
}
