import { AppError } from '../core/errors.js';

/** A 429 with Retry-After (at least a second). */
export function tooMany(message: string, resetMs: number): AppError {
  return new AppError('rate_limited', message, { retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) });
}
