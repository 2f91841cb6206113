/**
 * How and when a user signed in, as access and refresh tokens carry it: `amr` (RFC 8176 method
 * references: `pwd` a password, `otp` a one-time mailed link, `fed` a federated provider) and
 * `auth_time` (OIDC: the time of the sign-in, in seconds). A refresh keeps both unchanged.
 */
export interface Authentication {
  readonly amr: readonly string[];
  readonly authTime: number;
}

/** The claims of `authentication`, for a token. */
export function authenticationClaims(authentication: Authentication | undefined): { amr?: string[]; auth_time?: number } {
  return authentication === undefined ? {} : { amr: [...authentication.amr], auth_time: authentication.authTime };
}

/** The authentication a token carries; `undefined` for tokens issued before it was carried (or malformed). */
export function authenticationOf(claims: { amr?: unknown; auth_time?: unknown }): Authentication | undefined {
  const { amr, auth_time: authTime } = claims;
  if (!Array.isArray(amr) || !amr.every((m) => typeof m === 'string') || typeof authTime !== 'number' || !Number.isInteger(authTime)) return undefined;
  return { amr, authTime };
}
