import { codeFlow, getJson, newFlowSecrets, OAuthError, type OAuthProvider, type ProviderEndpoints } from './provider.js';

/** Google, as an OpenID Connect provider: the email and `email_verified` from its userinfo endpoint. */
export function google(endpoints: ProviderEndpoints & { readonly userinfoUrl: string }): OAuthProvider {
  const flow = codeFlow(endpoints, ['openid', 'email', 'profile'], 'Google');
  return {
    name: 'google',
    newFlow: newFlowSecrets,
    authorizationUrl: flow.authorizationUrl,
    exchange: flow.exchange,
    async identity(accessToken) {
      const info = (await getJson(endpoints.userinfoUrl, accessToken, endpoints.timeoutMs, 'Google')) as Record<string, unknown>;
      if (typeof info.email !== 'string') throw new OAuthError('provider_error', 'Google returned no email address');
      return { email: info.email.trim().toLowerCase(), emailVerified: info.email_verified === true };
    },
  };
}
