import { github } from './github.js';
import { google } from './google.js';
import type { OAuthProvider } from './provider.js';

/** One OAUTH_PROVIDERS entry with its credentials and endpoints. */
export interface OAuthProviderSettings {
  readonly name: 'google' | 'github';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** Google: the userinfo endpoint; GitHub: the API base. */
  readonly apiUrl: string;
}

export interface OAuthSettings {
  readonly providers: readonly OAuthProviderSettings[];
  readonly timeoutMs: number;
}

/** The providers OAUTH_PROVIDERS names; callbacks at `{externalUrl}/oauth/{name}/callback`. */
export function createOAuthProviders(settings: OAuthSettings, externalUrl: string): Map<string, OAuthProvider> {
  const providers = new Map<string, OAuthProvider>();
  for (const p of settings.providers) {
    const endpoints = {
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      authorizationUrl: p.authorizationUrl,
      tokenUrl: p.tokenUrl,
      redirectUri: `${externalUrl}/oauth/${p.name}/callback`,
      timeoutMs: settings.timeoutMs,
    };
    providers.set(p.name, p.name === 'google' ? google({ ...endpoints, userinfoUrl: p.apiUrl }) : github({ ...endpoints, apiUrl: p.apiUrl }));
  }
  return providers;
}
