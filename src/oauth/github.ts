import { codeFlow, getJson, newFlowSecrets, OAuthError, type OAuthProvider, type ProviderEndpoints } from './provider.js';

/** GitHub: the primary email from `/user/emails`, verified only when GitHub says so. */
export function github(endpoints: ProviderEndpoints & { readonly apiUrl: string }): OAuthProvider {
  const flow = codeFlow(endpoints, ['read:user', 'user:email'], 'GitHub');
  return {
    name: 'github',
    newFlow: newFlowSecrets,
    authorizationUrl: flow.authorizationUrl,
    exchange: flow.exchange,
    async identity(accessToken) {
      const emails = await getJson(`${endpoints.apiUrl.replace(/\/+$/, '')}/user/emails`, accessToken, endpoints.timeoutMs, 'GitHub', {
        accept: 'application/vnd.github+json',
      });
      if (!Array.isArray(emails)) throw new OAuthError('provider_error', 'GitHub returned no email list');
      const primary = emails.find((e: { primary?: unknown }) => e?.primary === true) as { email?: unknown; verified?: unknown } | undefined;
      if (!primary || typeof primary.email !== 'string') throw new OAuthError('provider_error', 'GitHub returned no primary email');
      return { email: primary.email.trim().toLowerCase(), emailVerified: primary.verified === true };
    },
  };
}
