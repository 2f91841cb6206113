import type { Config } from '../config/load-config.js';
import { github } from './github.js';
import { google } from './google.js';
import type { OAuthProvider } from './provider.js';

/** The providers OAUTH_PROVIDERS names; callbacks at EXTERNAL_URL/oauth/{name}/callback. */
export function createOAuthProviders(config: Pick<Config, 'oauth' | 'urls'>): Map<string, OAuthProvider> {
  const providers = new Map<string, OAuthProvider>();
  for (const p of config.oauth.providers) {
    const endpoints = {
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      authorizationUrl: p.authorizationUrl,
      tokenUrl: p.tokenUrl,
      redirectUri: `${config.urls.external}/oauth/${p.name}/callback`,
      timeoutMs: config.oauth.timeoutMs,
    };
    providers.set(p.name, p.name === 'google' ? google({ ...endpoints, userinfoUrl: p.apiUrl }) : github({ ...endpoints, apiUrl: p.apiUrl }));
  }
  return providers;
}
