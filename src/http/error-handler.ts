import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BackendError } from '../backends/types.js';
import { AppError, type ErrorCode, HookRefusal } from '../core/errors.js';
import { errorFields, type Logger } from '../core/logger.js';
import type { Audit } from '../observability/audit.js';
import { type AppEnv, scopeOf } from './context.js';

const BACKEND: Record<BackendError['code'], [ErrorCode, string]> = {
  conflict: ['conflict', 'A user with this email already exists'],
  unavailable: ['backend_unavailable', 'The user backend is unavailable; please try again later'],
  timeout: ['backend_timeout', 'The user backend did not answer in time; please try again later'],
  bad_response: ['backend_error', 'The user backend returned an invalid answer'],
  refused: ['backend_error', 'The user backend refused the request'],
};

/** Brings any thrown value into an {@link AppError}; unknown errors become a bare 500. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof BackendError) {
    const [code, message] = BACKEND[error.code];
    return new AppError(code, message, { cause: error });
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) return new AppError('payload_too_large', 'The request body is too large', { cause: error });
    if (error.status === 400) return new AppError('validation_failed', 'The request is malformed', { cause: error });
  }
  return new AppError('internal_error', 'Something went wrong on our side', { cause: error });
}

/** The app's `onError`: the JSON error shape, the cause in the log and never in the body. */
export function errorHandler(logger: Logger, audit: Audit) {
  return (error: unknown, c: Context<AppEnv>) => {
    if (error instanceof HookRefusal) {
      logger.info('webhook refused', { requestId: c.get('requestId'), path: c.req.path, status: error.status });
      return c.json(error.body, error.status as ContentfulStatusCode);
    }
    const appError = toAppError(error);
    const fields = { requestId: c.get('requestId'), path: c.req.path, code: appError.code };
    if (appError.status >= 500) logger.error('request failed', { ...fields, error: errorFields(appError.cause ?? appError) });
    else logger.debug('request refused', fields);
    // Every limit, wherever it was hit (per IP, password backoff, mails per address).
    if (appError.code === 'rate_limited') audit.record(scopeOf(c), 'rate_limited', { detail: appError.message });
    for (const [name, value] of Object.entries(appError.headers ?? {})) c.header(name, value);
    if (appError.status === 401) c.header('WWW-Authenticate', wwwAuthenticate(appError));
    if (appError.retryAfterSeconds !== undefined) c.header('Retry-After', String(appError.retryAfterSeconds));
    return c.json(appError.toJSON(), appError.status);
  };
}

/**
 * RFC 6750's challenge on every 401: `invalid_token` with a description when a token was sent and
 * refused, a bare `Bearer` otherwise (no token, or wrong credentials on /token).
 */
function wwwAuthenticate(error: AppError): string {
  if (error.code !== 'invalid_token') return 'Bearer';
  const quoted = (text: string) => `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
  return `Bearer error="invalid_token", error_description=${quoted(error.message)}`;
}
