import { createHash, randomBytes } from 'node:crypto';
import { json, startProviderServer } from './provider-server.js';

interface Grant {
  challenge: string;
  redirectUri: string;
  email: string;
  verified: boolean;
  used: boolean;
}

/**
 * A local server speaking the OAuth protocol of Google (token endpoint + OIDC userinfo) or
 * GitHub (access_token endpoint answering errors with 200, /user/emails). Codes are single-use
 * and bound to the PKCE challenge and redirect URI, as at the real providers.
 */
export async function startOAuthProvider(kind: 'google' | 'github', client: { id: string; secret: string }) {
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, { email: string; verified: boolean }>();
  const faults = { tokenStatus: 0, userStatus: 0 };

  const tokenError = (res: Parameters<typeof json>[0], error: string) =>
    kind === 'github' ? json(res, 200, { error, error_description: error }) : json(res, 400, { error });

  const server = await startProviderServer({
    [kind === 'google' ? 'POST /token' : 'POST /login/oauth/access_token']: (req, res) => {
      if (faults.tokenStatus) return json(res, faults.tokenStatus, { error: 'server_error' });
      const expected = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return json(res, 401, { error: 'invalid_client' });
      const form = new URLSearchParams(req.body);
      const grant = grants.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !grant || grant.used) return tokenError(res, kind === 'github' ? 'bad_verification_code' : 'invalid_grant');
      grant.used = true;
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (challenge !== grant.challenge || form.get('redirect_uri') !== grant.redirectUri) return tokenError(res, 'invalid_grant');
      const accessToken = randomBytes(16).toString('hex');
      accessTokens.set(accessToken, { email: grant.email, verified: grant.verified });
      json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: 'openid email profile' });
    },
    [kind === 'google' ? 'GET /v1/userinfo' : 'GET /user/emails']: (req, res) => {
      if (faults.userStatus) return json(res, faults.userStatus, { error: 'server_error' });
      const who = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!who) return json(res, 401, { error: 'invalid_token' });
      if (kind === 'google') return json(res, 200, { sub: '1234', email: who.email, email_verified: who.verified, name: 'Test' });
      json(res, 200, [
        { email: 'secondary@example.org', primary: false, verified: true, visibility: null },
        { email: who.email, primary: true, verified: who.verified, visibility: 'private' },
      ]);
    },
  });

  return {
    ...server,
    faults,
    env: (kind === 'google'
        ? {
            GOOGLE_CLIENT_ID: client.id,
            GOOGLE_CLIENT_SECRET: client.secret,
            GOOGLE_AUTHORIZATION_URL: `${server.url}/o/oauth2/v2/auth`,
            GOOGLE_TOKEN_URL: `${server.url}/token`,
            GOOGLE_USERINFO_URL: `${server.url}/v1/userinfo`,
          }
        : {
            GITHUB_CLIENT_ID: client.id,
            GITHUB_CLIENT_SECRET: client.secret,
            GITHUB_AUTHORIZATION_URL: `${server.url}/login/oauth/authorize`,
            GITHUB_TOKEN_URL: `${server.url}/login/oauth/access_token`,
            GITHUB_API_URL: server.url,
          }) as Record<string, string>,
    /** The user consents at the authorization URL: a code bound to its PKCE challenge. */
    consent(authorizationUrl: URL, user: { email: string; verified: boolean }): string {
      const code = randomBytes(12).toString('hex');
      grants.set(code, {
        challenge: authorizationUrl.searchParams.get('code_challenge') ?? '',
        redirectUri: authorizationUrl.searchParams.get('redirect_uri') ?? '',
        ...user,
        used: false,
      });
      return code;
    },
  };
}
