import type { OAuthProviderSettings, OAuthSettings } from '../oauth/create-providers.js';
import type { Env } from './env-schema.js';
import type { Report } from './types.js';

/** OAUTH_PROVIDERS and each provider's client and endpoints. */
export function parseOAuth(env: Env, report: Report): OAuthSettings {
  const providers: OAuthProviderSettings[] = [];
  for (const name of new Set(env.OAUTH_PROVIDERS.map((p) => p.toLowerCase()))) {
    if (name !== 'google' && name !== 'github') {
      report.problem('OAUTH_PROVIDERS', `unknown provider "${name}" (available: google, github)`);
      continue;
    }
    const prefix = name === 'google' ? 'GOOGLE' : 'GITHUB';
    const clientId = env[`${prefix}_CLIENT_ID`];
    const clientSecret = env[`${prefix}_CLIENT_SECRET`];
    if (clientId === undefined) report.problem(`${prefix}_CLIENT_ID`, `required with OAUTH_PROVIDERS=${name}`);
    if (clientSecret === undefined) report.problem(`${prefix}_CLIENT_SECRET`, `required with OAUTH_PROVIDERS=${name}`);
    providers.push({
      name,
      clientId: clientId ?? '',
      clientSecret: clientSecret ?? '',
      authorizationUrl: env[`${prefix}_AUTHORIZATION_URL`] as string,
      tokenUrl: env[`${prefix}_TOKEN_URL`] as string,
      apiUrl: (name === 'google' ? env.GOOGLE_USERINFO_URL : env.GITHUB_API_URL) as string,
    });
  }
  return { providers, timeoutMs: env.OAUTH_TIMEOUT };
}
