/** What went wrong talking to a provider; `denied` is the provider or user saying no. */
export class OAuthError extends Error {
  readonly code: 'denied' | 'provider_error' | 'provider_unavailable';
  constructor(code: OAuthError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'OAuthError';
    this.code = code;
  }
}
