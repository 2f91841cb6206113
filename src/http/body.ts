import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError, type ValidationIssue } from '../core/errors.js';

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON or form-urlencoded body and validates it with `schema`.
 * - `application/json` (or `+json`): must be a JSON object; an empty body counts as `{}`.
 * - `application/x-www-form-urlencoded`, or no content type (as the Authura README says):
 *   a repeated field or more than {@link MAX_FORM_FIELDS} fields is a 400 (see {@link parseForm}).
 * - anything else: 415.
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S, misplaced: Readonly<Record<string, string>> = {}): Promise<z.output<S>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = await c.req.text();
  let raw: unknown;
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    if (text.trim() === '') raw = {};
    else {
      try {
        raw = JSON.parse(text);
      } catch {
        throw new AppError('invalid_json', 'The request body is not valid JSON');
      }
    }
  } else if (type === '' || type === 'application/x-www-form-urlencoded') {
    raw = parseForm(formPairs(text));
  } else {
    throw new AppError(
      'unsupported_media_type',
      'Send the body as application/json or application/x-www-form-urlencoded',
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AppError('validation_failed', 'The request body must be an object', {
      issues: [{ path: '', message: 'expected an object' }],
    });
  }
  const present = Object.entries(misplaced).filter(([field]) => {
    const value = (raw as Record<string, unknown>)[field];
    return Object.hasOwn(raw as object, field) && value !== '' && value !== null && value !== undefined;
  });
  if (present.length > 0) {
    const issues = present.map(([path, message]) => ({ path, message }));
    throw new AppError('validation_failed', `The request is invalid (${issues[0]?.path}: ${issues[0]?.message})`, { issues });
  }
  const result = schema.safeParse(withoutEmptyOptionals(schema, raw as Record<string, unknown>));
  if (!result.success) {
    const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    const summary = first ? `${first.path || 'body'}: ${first.message}` : 'invalid body';
    throw new AppError('validation_failed', `The request is invalid (${summary})`, { issues });
  }
  return result.data;
}

/**
 * An empty value of an optional field counts as absent: `""` (an HTML form's empty input) or JSON
 * `null`. `role=` on /invite is the default role, `refresh_token=` on /logout is no token.
 * Required fields keep their value and get their own "is required" answer.
 */
function withoutEmptyOptionals(schema: z.ZodType, raw: Record<string, unknown>): Record<string, unknown> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (shape === undefined) return raw;
  const kept: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if ((value === '' || value === null) && field !== undefined && field.safeParse(undefined).success) continue;
    kept[key] = value;
  }
  return kept;
}

/** A form body with more fields than this is refused: no request schema has half as many. */
export const MAX_FORM_FIELDS = 100;

/**
 * The `name=value` pairs of a form body, one at a time, decoded as URLSearchParams decodes them
 * (`+` is a space, bad escapes are kept). Lazy: a caller that stops early leaves the rest of the
 * body unread, so the work done is bounded by what was consumed.
 */
export function* formPairs(text: string): Generator<[string, string]> {
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('&', start);
    const segment = end === -1 ? text.slice(start) : text.slice(start, end);
    // One segment holds at most one pair (an empty one none): decoding stays linear.
    for (const pair of new URLSearchParams(segment)) yield pair;
    if (end === -1) break;
    start = end + 1;
  }
}

/**
 * Form fields into an object with no prototype, so `__proto__` is just another key. No request
 * field is a list: a repeated field is refused at its first repeat, and more than
 * {@link MAX_FORM_FIELDS} fields at the first one past it, so a body of 30,000 `a&a&…` costs
 * two steps, not 30,000 (it used to be quadratic: seconds of event loop per request).
 */
export function parseForm(pairs: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let fields = 0;
  for (const [key, value] of pairs) {
    if (key in out) {
      throw new AppError('validation_failed', `The request is invalid (${key || 'body'}: is repeated)`, {
        issues: [{ path: key, message: 'is repeated: send each field once' }],
      });
    }
    fields += 1;
    if (fields > MAX_FORM_FIELDS) {
      throw new AppError('validation_failed', `The request is invalid (body: more than ${MAX_FORM_FIELDS} fields)`, {
        issues: [{ path: '', message: `more than ${MAX_FORM_FIELDS} fields` }],
      });
    }
    out[key] = value;
  }
  return out;
}
