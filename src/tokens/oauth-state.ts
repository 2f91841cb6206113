import { invalidToken, signJwt, verifyJwt } from './jwt.js';
import type { KeyRing } from './key-ring.js';

const TYP = 'oauth-state+jwt';
/** An OAuth sign-in must come back within this many seconds. */
export const OAUTH_STATE_TTL = 600;

/** What the OAuth state cookie carries between the start and the callback. */
interface OAuthFlow {
  provider: string;
  state: string;
  codeVerifier: string;
  redirect: string;
  tid?: string;
}

export interface OAuthStates {
  /** The signed, short-lived value of the OAuth state cookie. */
  sign(flow: OAuthFlow): Promise<string>;
  verify(token: string): Promise<OAuthFlow>;
}

/** OAuth state cookies, signed with the verify keys under their own `typ`. */
export function oauthStates(ring: KeyRing, issuer: string): OAuthStates {
  return {
    sign: (flow) => signJwt({ ...flow }, { typ: TYP, ring, ttl: OAUTH_STATE_TTL, issuer, subject: undefined }),
    async verify(token) {
      const claims = await verifyJwt(token, { typ: TYP, ring, issuer, required: ['provider', 'state', 'codeVerifier', 'redirect'] });
      const { provider, state, codeVerifier, redirect, tid } = claims;
      if ([provider, state, codeVerifier, redirect].some((v) => typeof v !== 'string') || (tid !== undefined && typeof tid !== 'string')) {
        throw invalidToken();
      }
      return { provider, state, codeVerifier, redirect, tid } as OAuthFlow;
    },
  };
}
