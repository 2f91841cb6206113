import {
  ArcticFetchError,
  CodeChallengeMethod,
  generateCodeVerifier,
  generateState,
  OAuth2Client,
  OAuth2RequestError,
  type OAuth2Tokens,
} from 'arctic';
import { withDeadline } from '../core/deadline.js';
import { jsonOf, send } from '../core/outbound.js';
import { OAuthError } from './errors.js';

/** The provider's answer about who signed in. */
interface Identity {
  /** Lower-cased, trimmed. */
  readonly email: string;
  /** Only a verified email may sign anyone in. */
  readonly emailVerified: boolean;
}

export { OAuthError };

/** Every provider has the same steps (arctic's shape: one small file per provider). */
export interface OAuthProvider {
  readonly name: 'google' | 'github';
  /** A fresh `state` and PKCE code verifier for one sign-in. */
  newFlow(): { state: string; codeVerifier: string };
  authorizationUrl(state: string, codeVerifier: string): URL;
  /** Exchanges the callback's code for the provider's access token. */
  exchange(code: string, codeVerifier: string): Promise<string>;
  identity(accessToken: string): Promise<Identity>;
}

export interface ProviderEndpoints {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly redirectUri: string;
  readonly timeoutMs: number;
}

/**
 * The authorization-code flow with PKCE (S256) through arctic's OAuth2Client, on configurable
 * endpoints. Errors keep their cause.
 */
export function codeFlow(endpoints: ProviderEndpoints, scopes: string[], label: string) {
  const client = new OAuth2Client(endpoints.clientId, endpoints.clientSecret, endpoints.redirectUri);
  return {
    authorizationUrl: (state: string, codeVerifier: string) =>
      client.createAuthorizationURLWithPKCE(endpoints.authorizationUrl, state, CodeChallengeMethod.S256, codeVerifier, scopes),
    async exchange(code: string, codeVerifier: string): Promise<string> {
      let tokens: OAuth2Tokens;
      try {
        tokens = await withDeadline(
          client.validateAuthorizationCode(endpoints.tokenUrl, code, codeVerifier),
          endpoints.timeoutMs,
          () => new OAuthError('provider_unavailable', `${label} did not answer in time`),
        );
      } catch (error) {
        if (error instanceof OAuthError) throw error;
        if (error instanceof OAuth2RequestError) throw new OAuthError('denied', `${label} refused the code (${error.code})`, { cause: error });
        if (error instanceof ArcticFetchError) throw new OAuthError('provider_unavailable', `${label} is unreachable`, { cause: error });
        throw new OAuthError('provider_error', `${label} answered the token request unexpectedly`, { cause: error });
      }
      // GitHub reports errors with a 200 and an `error` field.
      const data = tokens.data as Record<string, unknown>;
      if (typeof data.error === 'string') throw new OAuthError('denied', `${label} refused the code (${data.error})`);
      if (typeof data.access_token !== 'string') throw new OAuthError('provider_error', `${label} returned no access token`);
      return data.access_token;
    },
  };
}

/** GET a provider API with the access token; JSON or an {@link OAuthError}. */
export async function getJson(url: string, accessToken: string, timeoutMs: number, label: string, headers: Record<string, string> = {}) {
  let answer: Awaited<ReturnType<typeof send>>;
  try {
    answer = await send(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', 'user-agent': 'authura', ...headers },
      timeoutMs,
    });
  } catch (error) {
    throw new OAuthError('provider_unavailable', `${label} is unreachable`, { cause: error });
  }
  if (answer.status >= 500) throw new OAuthError('provider_unavailable', `${label} failed with ${answer.status}`);
  if (answer.status < 200 || answer.status >= 300) throw new OAuthError('provider_error', `${label} refused the user lookup with ${answer.status}`);
  const json = jsonOf(answer);
  if (json === undefined) throw new OAuthError('provider_error', `${label} answered with invalid JSON`);
  return json;
}

/** A fresh `state` and PKCE code verifier for one sign-in. */
export function newFlowSecrets(): { state: string; codeVerifier: string } {
  return { state: generateState(), codeVerifier: generateCodeVerifier() };
}
