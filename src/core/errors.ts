/** Every error code the API answers with, and the status it carries. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  tenant_required: 400,
  invalid_redirect_url: 400,
  weak_password: 400,
  passkey_refused: 400,
  unauthorized: 401,
  invalid_token: 401,
  invalid_credentials: 401,
  invalid_code: 401,
  forbidden: 403,
  signup_disabled: 403,
  email_not_verified: 403,
  impersonation_disabled: 403,
  reauthentication_required: 403,
  mfa_required: 403,
  mfa_enrollment_required: 403,
  step_up_required: 403,
  cross_site_request: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  captcha_required: 400,
  captcha_failed: 400,
  invalid_host: 400,
  invalid_oauth_state: 400,
  internal_error: 500,
  not_supported: 501,
  mail_failed: 502,
  hook_failed: 502,
  backend_error: 502,
  backend_unavailable: 503,
  rate_limit_unavailable: 503,
  overloaded: 503,
  captcha_unavailable: 503,
  mail_unavailable: 503,
  metrics_unavailable: 503,
  backend_timeout: 504,
  mail_timeout: 504,
  hook_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The errors Node's HTTP parser meets before the app sees a request (malformed HTTP, headers too
 * large, too slow): answered on the socket in the same JSON shape (server.ts).
 */
export const TRANSPORT_ERRORS = {
  bad_request: { status: 400, line: '400 Bad Request', message: 'The request is not valid HTTP' },
  request_timeout: { status: 408, line: '408 Request Timeout', message: 'The request did not arrive in time (HEADERS_TIMEOUT, REQUEST_TIMEOUT)' },
  headers_too_large: { status: 431, line: '431 Request Header Fields Too Large', message: 'The request headers are too large' },
} as const;

export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The one error type of the app: a code from {@link ERROR_STATUS}, a sentence safe to show a
 * client, and a `cause` kept for the log only.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: (typeof ERROR_STATUS)[ErrorCode];
  readonly issues: readonly ValidationIssue[] | undefined;
  /** Sent as Retry-After (429, 503). */
  readonly retryAfterSeconds: number | undefined;
  /** Extra response headers (e.g. RateLimit-*). */
  headers: Record<string, string> | undefined;
  /** Fields the answer carries beside `error` and `message` (`mfa_required`: the mfa token and methods). */
  readonly fields: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly ValidationIssue[]; retryAfterSeconds?: number; fields?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.fields = options.fields;
  }

  toJSON(): { error: ErrorCode; message: string; issues?: readonly ValidationIssue[]; error_description?: string } {
    if (this.fields) return { ...this.fields, error: this.code, message: this.message };
    if (this.issues) return { error: this.code, message: this.message, issues: this.issues };
    // A refused token says why in OAuth's field too (RFC 6750), as its WWW-Authenticate does.
    if (this.code === 'invalid_token') return { error: this.code, message: this.message, error_description: this.message };
    return { error: this.code, message: this.message };
  }
}

/** 400 for a field the request must carry (a check beyond the body schema). */
export function requiredField(path: string): AppError {
  return new AppError('validation_failed', `The request is invalid (${path}: is required)`, { issues: [{ path, message: 'is required' }] });
}

/**
 * A webhook said no: its status and JSON body go to the client unchanged (the Authura README's
 * rule), and whatever the request was about to write is not written.
 */
export class HookRefusal extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(`The webhook refused with ${status}`);
    this.name = 'HookRefusal';
    this.status = status;
    this.body = body;
  }
}
