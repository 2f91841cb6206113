import type { JWK } from 'jose';
import type { StoredUser } from '../backends/types.js';
import { type AccessOptions, type AccessTokens, accessTokens } from './access-token.js';
import { type DeviceTokens, deviceTokens } from './device-token.js';
import { loadKeyRings } from './key-ring.js';
import { type LinkTokens, linkTokens } from './link-token.js';
import { type MfaTokens, mfaTokens } from './mfa-token.js';
import { type WebAuthnChallenges, webauthnChallenges } from './webauthn-challenge.js';
import { type OAuthStates, oauthStates } from './oauth-state.js';
import { type PasswordlessTokens, passwordlessTokens } from './passwordless-token.js';
import { type RefreshTokens, refreshTokens } from './refresh-token.js';
import type { TokenSettings } from './settings.js';

/** What a sign-in hands out: the `/token` answer. */
export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  /** After a password sign-in: the device token that lets this client past the account's ceiling of failures. */
  device_token?: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Every token kind, each with its own keys and `typ`, built once from the settings. */
export interface Tokens {
  readonly access: AccessTokens;
  readonly refresh: RefreshTokens;
  readonly link: LinkTokens;
  readonly device: DeviceTokens;
  readonly oauthState: OAuthStates;
  readonly passwordless: PasswordlessTokens;
  /** Between a first factor and the session: the mfa token, and the enrolment token (MFA_REQUIRED_ROLES). */
  readonly mfa: MfaTokens;
  /** The challenge tokens of passkey ceremonies. */
  readonly webauthn: WebAuthnChallenges;
  /** An access token and (unless impersonating) a refresh token for `user`. */
  issue(user: StoredUser, options?: AccessOptions): Promise<IssuedTokens>;
  /** The access tokens' public keys, for /.well-known/jwks.json (none with HS256). */
  readonly jwks: { keys: JWK[] };
}

/** Imports the keys once (rejects with a clear message for a bad key) and builds every kind. */
export async function createTokens(
  settings: TokenSettings,
  multiTenant: boolean,
  passwordless: { readonly ttl: number; readonly codeLength: number } = { ttl: 600, codeLength: 6 },
): Promise<Tokens> {
  const rings = await loadKeyRings(settings);
  const access = accessTokens(rings.access, settings, multiTenant);
  const refresh = refreshTokens(rings.refresh, settings, multiTenant);
  return {
    access,
    refresh,
    link: linkTokens(rings.verify, settings),
    device: deviceTokens(rings.refresh, settings, multiTenant),
    oauthState: oauthStates(rings.verify, settings.issuer),
    passwordless: passwordlessTokens(rings.verify, { issuer: settings.issuer, ...passwordless }),
    mfa: mfaTokens(rings.verify, settings.issuer),
    webauthn: webauthnChallenges(rings.verify, settings.issuer),
    jwks: { keys: [...rings.access.publicJwks] },
    async issue(user, options = {}) {
      if (options.actor) return { access_token: await access.sign(user, options), token_type: 'Bearer', expires_in: access.lifetime(true) };
      // Both signatures at once: each is a WebCrypto job on libuv's thread pool, and two queued
      // together cost one wake-up of the pool instead of two (/refresh +6–7 %, 20 µs less CPU
      // each: BENCHMARKS.md).
      const [accessToken, refreshToken] = await Promise.all([access.sign(user, options), refresh.sign(user, options.authentication)]);
      return { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: access.lifetime(false) };
    },
  };
}
