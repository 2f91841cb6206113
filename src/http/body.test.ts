import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { formPairs, MAX_FORM_FIELDS, parseForm } from './body.js';

/** The pairs of `text`, counting how many the parser pulled. */
function counted(text: string) {
  const seen = { pairs: 0 };
  function* pairs() {
    for (const pair of formPairs(text)) {
      seen.pairs += 1;
      yield pair;
    }
  }
  return { pairs: pairs(), seen };
}

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
};

describe('parseForm', () => {
  it('decodes as URLSearchParams does', () => {
    expect(parseForm(formPairs('email=a%40example.com&password=p+w%2B&&x=%zz&flag'))).toEqual({
      email: 'a@example.com',
      password: 'p w+',
      x: '%zz',
      flag: '',
    });
    expect(Object.getPrototypeOf(parseForm(formPairs('__proto__=x')))).toBeNull();
  });

  it('stops at the first repeat of a field: two pairs read of 32,768', () => {
    const { pairs, seen } = counted(Array(32_768).fill('a').join('&'));
    const error = refusal(() => parseForm(pairs));
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('validation_failed');
    expect(error.issues).toEqual([{ path: 'a', message: 'is repeated: send each field once' }]);
    expect(seen.pairs).toBe(2);
  });

  it(`stops at field ${MAX_FORM_FIELDS + 1} of 10,000 distinct ones`, () => {
    const { pairs, seen } = counted(Array.from({ length: 10_000 }, (_, i) => `f${i}=1`).join('&'));
    expect(refusal(() => parseForm(pairs)).code).toBe('validation_failed');
    expect(seen.pairs).toBe(MAX_FORM_FIELDS + 1);
    expect(Object.keys(parseForm(formPairs(Array.from({ length: MAX_FORM_FIELDS }, (_, i) => `f${i}=1`).join('&'))))).toHaveLength(MAX_FORM_FIELDS);
  });
});
