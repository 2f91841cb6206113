import { ERROR_CODES, type ErrorBody, type ErrorCode } from './api.js';

/**
 * What the client itself reports: the gateway could not be reached (`network_error`), answered
 * what no gateway answers (`unexpected_response`), refused the request before reading it
 * (`bad_request`, `request_timeout`, `headers_too_large`: answered by its HTTP parser), or a
 * webhook refused and its answer was passed on as it came (`hook_refused`: see `body`), or an
 * OAuth sign-in came back failed (`oauth_failed`: `body.error` is OAuth's code, such as `access_denied`).
 */
export type ClientErrorCode = 'network_error' | 'unexpected_response' | 'hook_refused' | 'oauth_failed' | 'bad_request' | 'request_timeout' | 'headers_too_large';

const TRANSPORT_CODES: ReadonlySet<string> = new Set(['bad_request', 'request_timeout', 'headers_too_large']);
const GATEWAY_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * A refused call: `code` is the gateway's (`mfa_required`, `invalid_credentials`, …) or one of
 * {@link ClientErrorCode}; `body` is the answer as it came (`mfa_token` for `mfa_required`,
 * `issues` for `validation_failed`, a webhook's own fields for `hook_refused`).
 */
export class AuthuraError<C extends ErrorCode | ClientErrorCode = ErrorCode | ClientErrorCode> extends Error {
  readonly code: C;
  /** The HTTP status (0: no answer). */
  readonly status: number;
  readonly body: Partial<ErrorBody> & Record<string, unknown>;
  /** Seconds to wait before trying again (429, 503), from Retry-After. */
  readonly retryAfter: number | undefined;

  constructor(code: C, status: number, message: string, options: { body?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthuraError';
    this.code = code;
    this.status = status;
    this.body = options.body ?? {};
    this.retryAfter = options.retryAfter;
  }

  /** `mfa_required`: the token to send to `mfaVerify` with a code. */
  get mfaToken(): string | undefined {
    return typeof this.body.mfa_token === 'string' ? this.body.mfa_token : undefined;
  }

  /** `mfa_enrollment_required`: the bearer token for `mfaEnroll` and `mfaConfirm`. */
  get enrollmentToken(): string | undefined {
    return typeof this.body.enrollment_token === 'string' ? this.body.enrollment_token : undefined;
  }
}

/** Whether `error` is an {@link AuthuraError}, with one of `codes` when given (narrowing `code`). */
export function isAuthuraError<C extends ErrorCode | ClientErrorCode>(error: unknown, ...codes: C[]): error is AuthuraError<C> {
  return error instanceof AuthuraError && (codes.length === 0 || (codes as string[]).includes(error.code));
}

/** The error for a refused answer, from its status and body. */
export async function errorFromResponse(response: Response): Promise<AuthuraError> {
  const text = await response.text().catch(() => '');
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: no gateway answer looks like this (a proxy's page, say).
  }
  const retry = Number(response.headers.get('retry-after'));
  const options = { body, ...(Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {}) };
  const message = typeof body.message === 'string' ? body.message : `The gateway answered ${response.status}`;
  const code = typeof body.error === 'string' ? body.error : undefined;
  if (code !== undefined && (GATEWAY_CODES.has(code) || TRANSPORT_CODES.has(code))) return new AuthuraError(code as ErrorCode, response.status, message, options);
  // A webhook's refusal reaches the client as the hook sent it (any status, any JSON object).
  if (Object.keys(body).length > 0) return new AuthuraError('hook_refused', response.status, message, options);
  return new AuthuraError('unexpected_response', response.status, message, options);
}
