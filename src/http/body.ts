import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError, type ValidationIssue } from './errors.js';

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON or form-urlencoded body and validates it with `schema`.
 * - `application/json` (or `+json`): must be a JSON object; an empty body counts as `{}`.
 * - `application/x-www-form-urlencoded`, or no content type (as the Authura README says):
 *   a repeated field becomes an array, which a string field then refuses.
 * - anything else: 415.
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
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
    raw = parseForm(text);
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
  const result = schema.safeParse(raw);
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

/** Form fields into an object with no prototype, so `__proto__` is just another key. */
function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}
