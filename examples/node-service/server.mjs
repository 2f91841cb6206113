// A Node service that accepts Authura's access tokens, with jose's createRemoteJWKSet.
//
//   AUTHURA_JWKS_URL=https://auth.example.com/.well-known/jwks.json \
//   AUTHURA_ISSUER=https://auth.example.com AUTHURA_AUDIENCE=api node server.mjs
//
// Needs `jose` (npm install jose). The gateway must sign with EdDSA or RS256 (JWT_ALGORITHM,
// JWT_PRIVATE_KEYS) for its keys to be public, and set JWT_AUDIENCE.
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

// Fetched once, cached, and fetched again when a token names a key not seen yet (rotation).
const keys = createRemoteJWKSet(new URL(process.env.AUTHURA_JWKS_URL));
const expected = { issuer: process.env.AUTHURA_ISSUER, audience: process.env.AUTHURA_AUDIENCE, typ: 'at+jwt', algorithms: ['EdDSA', 'RS256'] };

const answer = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const server = createServer(async (req, res) => {
  if (req.url !== '/protected') return answer(res, 404, { error: 'not_found' });
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return answer(res, 401, { error: 'unauthorized' });
  try {
    const { payload } = await jwtVerify(token, keys, expected);
    return answer(res, 200, { user_id: payload.sub, email: payload.email, roles: payload.roles ?? [payload.role] });
  } catch {
    return answer(res, 401, { error: 'unauthorized' });
  }
});
server.listen(Number(process.env.PORT ?? 8081), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
