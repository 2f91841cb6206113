import { z } from 'zod';
import type { Config } from './config/load-config.js';
import { ERROR_STATUS } from './http/errors.js';
import { inviteBody } from './routes/invite.js';
import { changeEmailBody, changePasswordBody } from './routes/profile.js';
import { signupBody, verifyBody } from './routes/registration.js';
import { resetBody } from './routes/reset-password.js';
import { logoutBody, refreshBody, tokenBody } from './routes/session.js';

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema: what the handler accepts. */
const schema = (s: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const user = z.object({
  id: z.union([z.number().int(), z.string()]),
  email: z.string(),
  role: z.string(),
  tenant_id: z.string().nullable(),
  verified_at: z.string().nullable(),
  hook_data: z.record(z.string(), z.unknown()).optional(),
});
/** Without `json` in TOKEN_DELIVERY the tokens travel in cookies / X-Auth-Token instead. */
const tokens = z.object({
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
});
const error = z.object({
  error: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  auth?: boolean;
  tenant?: boolean;
  ok: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  errors: number[];
}

/** Every route of the gateway: the table the document is generated from. */
const OPERATIONS: Operation[] = [
  { method: 'post', path: '/signup', tag: 'account', summary: 'Mail a signup link (or a notice to an existing account)', body: signupBody, tenant: true, ok: { status: 200, description: 'Always `{}`', schema: z.object({}) }, errors: [400, 403, 429, 502, 503, 504] },
  { method: 'post', path: '/verify-email', tag: 'account', summary: "Carry out a mailed link's action (signup, invite, reset-password, change-email)", body: verifyBody, tenant: true, ok: { status: 200, description: 'The user and tokens', schema: z.object({ user, tokens }) }, errors: [400, 401, 403, 409, 502, 503, 504] },
  { method: 'post', path: '/token', tag: 'session', summary: 'Log in with email and password (or impersonate: empty password and an admin bearer token)', body: tokenBody, tenant: true, ok: { status: 200, description: 'Tokens', schema: tokens }, errors: [400, 401, 403, 404, 429, 502, 503, 504] },
  { method: 'post', path: '/refresh', tag: 'session', summary: 'Exchange a refresh token (body, or the refresh cookie) for new tokens', body: refreshBody, tenant: true, ok: { status: 200, description: 'Tokens', schema: tokens }, errors: [400, 401, 502, 503, 504] },
  { method: 'post', path: '/logout', tag: 'session', summary: "Clear the token cookies; with a refresh token (body or cookie), revoke every refresh token of its user", body: logoutBody, tenant: true, ok: { status: 200, description: 'Whether refresh tokens were revoked', schema: z.object({ refresh_tokens_revoked: z.boolean() }) }, errors: [400, 401, 502, 503, 504] },
  { method: 'get', path: '/user', tag: 'account', summary: 'The signed-in user (bearer token, or the access cookie in cookie mode)', auth: true, tenant: true, ok: { status: 200, description: 'The user', schema: z.object({ user }) }, errors: [401, 502, 503, 504] },
  { method: 'post', path: '/change-password', tag: 'account', summary: 'Change the password (revokes older refresh tokens and links)', body: changePasswordBody, auth: true, tenant: true, ok: { status: 200, description: '`{}`', schema: z.object({}) }, errors: [400, 401, 403, 429, 502, 503, 504] },
  { method: 'post', path: '/change-email', tag: 'account', summary: 'Mail a link that moves the account to a new address', body: changeEmailBody, auth: true, tenant: true, ok: { status: 200, description: '`{}`', schema: z.object({}) }, errors: [400, 401, 403, 429, 502, 503, 504] },
  { method: 'post', path: '/invite', tag: 'account', summary: 'Invite a user (ADMIN_ROLE only)', body: inviteBody, auth: true, tenant: true, ok: { status: 200, description: '`{}`', schema: z.object({}) }, errors: [400, 401, 403, 409, 429, 502, 503, 504] },
  { method: 'post', path: '/reset-password', tag: 'account', summary: 'Mail a password reset link (or a notice to an unknown address)', body: resetBody, tenant: true, ok: { status: 200, description: 'Always `{}`', schema: z.object({}) }, errors: [400, 429, 502, 503, 504] },
  { method: 'get', path: '/oauth/{provider}', tag: 'oauth', summary: 'Start an OAuth sign-in (google, github)', tenant: true, ok: { status: 302, description: "Redirect to the provider; sets the signed state cookie" }, errors: [400, 404] },
  { method: 'get', path: '/oauth/{provider}/callback', tag: 'oauth', summary: "The provider's return: redirect to the app with tokens (or an error) in the fragment", ok: { status: 302, description: 'Redirect to the allowed redirect URL' }, errors: [400, 404] },
  { method: 'get', path: '/form', tag: 'development', summary: 'The developer page for every flow', ok: { status: 200, description: 'HTML', contentType: 'text/html' }, errors: [] },
  { method: 'get', path: '/healthz', tag: 'operations', summary: 'The process answers', ok: { status: 200, description: 'OK', schema: z.object({ status: z.literal('ok') }) }, errors: [] },
  { method: 'get', path: '/readyz', tag: 'operations', summary: 'The backend answers too', ok: { status: 200, description: 'Ready', schema: z.object({ status: z.string(), backend: z.string() }) }, errors: [503] },
  { method: 'get', path: '/.well-known/jwks.json', tag: 'operations', summary: "The access tokens' public keys (EdDSA/RS256)", ok: { status: 200, description: 'A JWK set', schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) }, errors: [] },
  { method: 'get', path: '/metrics', tag: 'operations', summary: 'Prometheus metrics', ok: { status: 200, description: 'Prometheus text', contentType: 'text/plain' }, errors: [401] },
  { method: 'get', path: '/openapi.json', tag: 'operations', summary: 'This document', ok: { status: 200, description: 'OpenAPI 3.1' }, errors: [] },
  { method: 'get', path: '/docs', tag: 'operations', summary: 'This document as a page', ok: { status: 200, description: 'HTML', contentType: 'text/html' }, errors: [] },
];

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request', 401: 'Missing, invalid or expired token, or bad credentials', 403: 'Not allowed', 404: 'Not found',
  409: 'Conflict', 429: 'Rate limited (see Retry-After)', 502: 'A dependency failed', 503: 'A dependency is unavailable', 504: 'A dependency timed out',
};

/** The OpenAPI 3.1 description of the gateway, generated from the zod schemas that validate requests. */
export function buildOpenApi(config: Pick<Config, 'urls' | 'tenancy'>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    if (op.tenant && config.tenancy.enabled) {
      parameters.push({ name: config.tenancy.tenantHeader, in: 'header', required: false, schema: { type: 'string' }, description: 'The tenant (or use an allowed host)' });
    }
    if (op.path.includes('{provider}')) parameters.push({ name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: ['google', 'github'] } });
    const ok: Record<string, unknown> = { description: op.ok.description };
    if (op.ok.schema) ok.content = { 'application/json': { schema: schema(op.ok.schema) } };
    else if (op.ok.contentType) ok.content = { [op.ok.contentType]: { schema: { type: 'string' } } };
    const responses: Record<string, unknown> = { [String(op.ok.status)]: ok };
    for (const status of op.errors) {
      responses[String(status)] = { description: STATUS_TEXT[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const operation: Record<string, unknown> = {
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: op.summary,
      tags: [op.tag],
      responses,
    };
    if (parameters.length > 0) operation.parameters = parameters;
    if (op.auth) operation.security = [{ bearer: [] }];
    if (op.body) {
      const body = { schema: schema(op.body) };
      operation.requestBody = { required: true, content: { 'application/json': body, 'application/x-www-form-urlencoded': body } };
    }
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Authura for TypeScript', version: '0.1.0', description: 'Stateless authentication gateway. Errors are `{"error", "message"}` JSON.' },
    servers: [{ url: config.urls.external }],
    paths,
    components: {
      schemas: { Error: schema(error), User: schema(user), Tokens: schema(tokens) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

/** The routes the document lists, for checks that nothing is left out. */
export const DOCUMENTED_ROUTES = OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`);
