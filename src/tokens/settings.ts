/** Access tokens' algorithm; refresh and mailed tokens are always HS256. */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'RS256';

/** What the tokens are made with (the config's `jwt` section). */
export interface TokenSettings {
  readonly accessSecret: string;
  readonly refreshSecret: string;
  readonly verifySecret: string;
  /** Lifetimes, in seconds. */
  readonly accessTtl: number;
  readonly refreshTtl: number;
  readonly verifyTtl: number;
  /** A "this wasn't me" link (EMAIL_REVERT_EXPIRATION): longer than other links, a notice may be read late. */
  readonly revertTtl: number;
  /** A device token (LOGIN_DEVICE_EXPIRATION): how long a client that signed in is known. */
  readonly deviceTtl: number;
  /** Every token's `iss` (EXTERNAL_URL). */
  readonly issuer: string;
  readonly algorithm: JwtAlgorithm;
  /** EdDSA/RS256: private keys (PKCS#8 PEM or JWK JSON), the first signs. */
  readonly privateKeys: readonly string[];
  /** Retired secrets that still verify (rotation). */
  readonly previousSecrets: { readonly access: readonly string[]; readonly refresh: readonly string[]; readonly verify: readonly string[] };
  /** The access tokens' `aud`; `{tenant}` is replaced by the tenant id. */
  readonly audience: string | undefined;
  /** Lifetime of an impersonation access token (never longer than `accessTtl`). */
  readonly impersonationTtl: number;
}
