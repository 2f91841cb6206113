import { z } from 'zod';
import type { Config } from '../config/types.js';
import { ERROR_STATUS, type ErrorCode } from '../core/errors.js';
import { documentedErrors, type RouteSpec } from './route.js';
import { errorSchema, tokensSchema, userSchema } from './schemas.js';

/** JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema: what the handler accepts. */
const jsonSchema = (s: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request',
  401: 'Missing, invalid or expired token, or bad credentials',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported media type',
  429: 'Rate limited (see Retry-After)',
  500: 'Internal error',
  502: 'A dependency failed',
  503: 'A dependency is unavailable',
  504: 'A dependency timed out',
};

/** `/oauth/:provider` as OpenAPI writes it: `/oauth/{provider}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * The OpenAPI 3.1 description of the gateway, generated from the route table: the zod schemas
 * that validate requests, and every error code each route documents, grouped by status.
 */
export function buildOpenApi(routes: readonly RouteSpec[], config: Pick<Config, 'urls' | 'tenancy' | 'limits' | 'delivery'>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const kinds = { hosts: config.tenancy.allowedHosts.length > 0, perIp: config.limits.perMinute > 0, cookies: config.delivery.cookie };
  for (const spec of routes) {
    const path = openApiPath(spec.path);
    const parameters: unknown[] = [];
    if (spec.tenant && config.tenancy.enabled) {
      parameters.push({ name: config.tenancy.tenantHeader, in: 'header', required: false, schema: { type: 'string' }, description: 'The tenant (or use an allowed host)' });
    }
    for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
      parameters.push(name === 'provider' ? { name, in: 'path', required: true, schema: { type: 'string', enum: ['google', 'github'] } } : { name, in: 'path', required: true, schema: { type: 'string' } });
    }
    for (const [name, field] of Object.entries(spec.query?.shape ?? {})) {
      const schema = jsonSchema(field as z.ZodType);
      parameters.push({ name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema, ...(typeof schema.description === 'string' ? { description: schema.description } : {}) });
    }
    const ok: Record<string, unknown> = { description: spec.ok.description };
    if (spec.ok.schema) ok.content = { 'application/json': { schema: jsonSchema(spec.ok.schema) } };
    else if (spec.ok.contentType) ok.content = { [spec.ok.contentType]: { schema: { type: 'string' } } };
    const responses: Record<string, unknown> = { [String(spec.ok.status)]: ok };
    for (const [status, codes] of byStatus(documentedErrors(spec, kinds))) {
      const description = `${STATUS_TEXT[status] ?? 'Error'}: ${codes.map((code) => `\`${code}\``).join(', ')}`;
      // The error body, with the codes this status can carry on this route (typed clients read them).
      const schema = { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { enum: codes } } }] };
      responses[String(status)] = { description, content: { 'application/json': { schema } } };
    }
    if (spec.hookRefusals) responses.default = { description: "A webhook's refusal, passed on with its own status and JSON body" };
    const operation: Record<string, unknown> = {
      operationId: `${spec.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: spec.summary,
      tags: [spec.tag],
      responses,
    };
    if (parameters.length > 0) operation.parameters = parameters;
    if (spec.auth) operation.security = [{ bearer: [] }];
    // Checked by the route itself: an access token or an enrolment token (enrol), or none (the mfa token in the body).
    else if (spec.formBearer) operation.security = [{ bearer: [] }, {}];
    if (spec.body) {
      const body = { schema: jsonSchema(spec.body) };
      operation.requestBody = { required: true, content: { 'application/json': body, 'application/x-www-form-urlencoded': body } };
    }
    paths[path] ??= {};
    paths[path][spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Authura for TypeScript', version: '0.1.0', description: 'Stateless authentication gateway. Errors are `{"error", "message"}` JSON.' },
    servers: [{ url: config.urls.external }],
    paths,
    components: {
      schemas: { Error: jsonSchema(errorSchema), User: jsonSchema(userSchema), Tokens: jsonSchema(tokensSchema) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

function byStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const grouped = new Map<number, ErrorCode[]>();
  for (const code of codes) grouped.set(ERROR_STATUS[code], [...(grouped.get(ERROR_STATUS[code]) ?? []), code]);
  return new Map([...grouped].sort(([a], [b]) => a - b));
}
