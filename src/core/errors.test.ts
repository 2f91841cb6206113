import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, TRANSPORT_ERRORS } from './errors.js';

/** The README's error table: each row's status and the codes named in it. */
function readmeCatalogue(): Map<string, number> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\n## Tokens\n'));
  const codes = new Map<string, number>();
  for (const [, status, cell] of section.matchAll(/^\| (\d{3}) \| (.+) \|$/gm)) {
    // The codes are the backticked lower-case words (not headers, quoted messages or the
    // answer's own field names).
    for (const [, code] of (cell as string).matchAll(/`([a-z]+(?:_[a-z]+)+|[a-z]+)`/g)) {
      if (code === 'message' || code === 'error_description') continue;
      if (codes.has(code as string) && codes.get(code as string) !== Number(status)) throw new Error(`${code} is listed under two statuses`);
      codes.set(code as string, Number(status));
    }
  }
  return codes;
}

describe('the error catalogue', () => {
  it('the README lists every code the gateway answers with, with its status, and nothing else', () => {
    const produced = new Map<string, number>([
      ...Object.entries(ERROR_STATUS),
      ...Object.entries(TRANSPORT_ERRORS).map(([code, { status }]) => [code, status] as const),
    ]);
    expect(Object.fromEntries(readmeCatalogue())).toEqual(Object.fromEntries(produced));
  });
});
