// Writes client/src/api.ts from the gateway's /openapi.json — itself generated from the zod schemas
// that validate each request — so the client's types are the gateway's. openapi-typescript would
// do this with TypeScript 5's compiler API, which the repository's TypeScript 7 does not have; the
// schemas zod emits use a small part of JSON Schema, printed here, and any keyword outside that
// part stops the generation instead of being dropped.

interface Schema {
  readonly [keyword: string]: unknown;
}
interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly parameters?: ReadonlyArray<{ name: string; in: string; required: boolean; schema: Schema; description?: string }>;
  readonly requestBody?: { content: Record<string, { schema: Schema }> };
  readonly responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  readonly security?: ReadonlyArray<Record<string, unknown>>;
}
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { schemas: Record<string, Schema> };
}

/** The client's name for each operation it offers (`METHOD /path`). A new route needs a name here. */
const NAMES: Record<string, string> = {
  'GET /healthz': 'health',
  'GET /readyz': 'ready',
  'GET /.well-known/jwks.json': 'jwks',
  'POST /signup': 'signup',
  'POST /verify-email': 'verifyEmail',
  'POST /token': 'token',
  'POST /passwordless/start': 'passwordlessStart',
  'POST /passwordless/verify': 'passwordlessVerify',
  'POST /mfa/totp/enroll': 'mfaEnroll',
  'POST /mfa/totp/confirm': 'mfaConfirm',
  'POST /mfa/recovery-codes': 'mfaRecoveryCodes',
  'POST /mfa/totp/disable': 'mfaDisable',
  'POST /mfa/verify': 'mfaVerify',
  'POST /webauthn/registration/initialize': 'passkeyRegistrationStart',
  'POST /webauthn/registration/finalize': 'passkeyRegistrationFinish',
  'POST /webauthn/login/initialize': 'passkeyLoginStart',
  'POST /webauthn/login/finalize': 'passkeyLoginFinish',
  'GET /webauthn/credentials': 'passkeys',
  'PATCH /webauthn/credentials/{id}': 'renamePasskey',
  'DELETE /webauthn/credentials/{id}': 'removePasskey',
  'POST /refresh': 'refresh',
  'GET /user': 'user',
  'POST /logout': 'logout',
  'POST /change-password': 'changePassword',
  'POST /change-email': 'changeEmail',
  'POST /invite': 'invite',
  'POST /reset-password': 'resetPassword',
  'GET /oauth/{provider}': 'oauthStart',
};

/** What the client does not call, and why. */
const LEFT_OUT: Record<string, string> = {
  'GET /metrics': "the operator's Prometheus text",
  'GET /openapi.json': 'this description',
  'GET /docs': 'a page',
  'GET /docs/{file}': "the page's files",
  'GET /form': 'a page',
  'GET /oauth/{provider}/callback': "the provider's return, never the app's call",
};

const KNOWN_KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'anyOf', 'allOf', 'const', 'enum',
  'description', 'maxLength', 'minLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'default', '$ref',
]);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const doc = (text: unknown, pad: string) => (typeof text === 'string' ? `${pad}/** ${text.replace(/\*\//g, '* /')} */\n` : '');

/** The TypeScript type of a JSON Schema (the part zod's toJSONSchema writes). */
export function typeOf(schema: Schema, pad = ''): string {
  for (const keyword of Object.keys(schema)) if (!KNOWN_KEYWORDS.has(keyword)) throw new Error(`JSON Schema keyword "${keyword}" is not printed: teach generate-api.ts`);
  if (typeof schema.$ref === 'string') return schema.$ref.replace('#/components/schemas/', '');
  if (Array.isArray(schema.allOf)) return schema.allOf.map((part: Schema) => typeOf(part, pad)).join(' & ');
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map((part: Schema) => typeOf(part, pad)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(schema.type)) return schema.type.map((type: string) => typeOf({ ...schema, type }, pad)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${schema.items ? typeOf(schema.items as Schema, pad) : 'unknown'}>`;
    case 'object':
    case undefined:
      return objectType(schema, pad);
    default:
      throw new Error(`JSON Schema type "${String(schema.type)}" is not printed`);
  }
}

function objectType(schema: Schema, pad: string): string {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const open = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
  const names = Object.keys(properties);
  if (names.length === 0) return schema.type === undefined ? 'unknown' : open ? 'Record<string, unknown>' : 'Record<string, never>';
  const inner = `${pad}  `;
  const lines = names.map((name) => {
    const property = properties[name] as Schema;
    return `${doc(property.description, inner)}${inner}${key(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner)};\n`;
  });
  if (open) lines.push(`${inner}[field: string]: unknown;\n`);
  return `{\n${lines.join('')}${pad}}`;
}

/** Where an answer carries issued tokens: itself (/token), its `tokens` field (/verify-email), or nowhere. */
function tokensAt(schema: Schema | undefined): 'answer' | 'tokens' | undefined {
  if (!schema) return undefined;
  const branches = (Array.isArray(schema.anyOf) ? schema.anyOf : [schema]) as Schema[];
  const isTokens = (s: Schema | undefined) => s !== undefined && typeof s.properties === 'object' && s.properties !== null && 'token_type' in s.properties;
  if (branches.every(isTokens)) return 'answer';
  if (branches.some((branch) => isTokens((branch.properties as Record<string, Schema> | undefined)?.tokens))) return 'tokens';
  return undefined;
}

const json = (content: Record<string, { schema: Schema }> | undefined) => content?.['application/json']?.schema;

/** client/src/api.ts for `document`. */
export function clientApiSource(document: OpenApiDocument): string {
  const { schemas } = document.components;
  const errorCodes = ((schemas.Error?.properties as Record<string, Schema> | undefined)?.error?.enum ?? []) as string[];
  if (errorCodes.length === 0) throw new Error('components.schemas.Error lists no error codes');
  const operations: string[] = [];
  const table: string[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const id = `${method.toUpperCase()} ${path}`;
      if (LEFT_OUT[id]) continue;
      const name = NAMES[id];
      if (!name) throw new Error(`${id} has no client name: add it to NAMES (or LEFT_OUT, with why) in test/client/generate-api.ts`);
      const parameters = operation.parameters ?? [];
      const group = (where: string) => {
        const list = parameters.filter((p) => p.in === where);
        if (list.length === 0) return 'never';
        return objectType({ type: 'object', properties: Object.fromEntries(list.map((p) => [p.name, { ...p.schema, ...(p.description ? { description: p.description } : {}) }])), required: list.filter((p) => p.required).map((p) => p.name) }, '    ');
      };
      const requestBody = json(operation.requestBody?.content);
      const ok = operation.responses['200'] ?? operation.responses['302'];
      const okSchema = json(ok?.content);
      const errors = new Set<string>();
      for (const [status, response] of Object.entries(operation.responses)) {
        const parts = (json(response.content)?.allOf ?? []) as Schema[];
        for (const part of parts) for (const code of (((part.properties as Record<string, Schema> | undefined)?.error?.enum ?? []) as string[])) errors.add(code);
        if (status !== 'default' && Number(status) >= 400 && parts.length === 0) throw new Error(`${id}: the ${status} answer lists no error codes`);
      }
      const security = operation.security ?? [];
      const bearer = security.length === 0 ? 'none' : security.some((s) => Object.keys(s).length === 0) ? 'optional' : 'required';
      const tenant = parameters.some((p) => p.in === 'header');
      const tokens = tokensAt(okSchema);
      operations.push(
        `  /** ${operation.summary} (\`${id}\`) */\n  ${name}: {\n` +
          `    params: ${group('path')};\n    query: ${group('query')};\n` +
          `    body: ${requestBody ? typeOf(requestBody, '    ') : 'never'};\n` +
          `    ok: ${okSchema ? typeOf(okSchema, '    ') : 'never'};\n` +
          `    errors: ${[...errors].map((code) => JSON.stringify(code)).join(' | ') || 'never'};\n  };\n`,
      );
      const bodyRequired = requestBody !== undefined && ((requestBody.required ?? []) as string[]).length > 0;
      table.push(
        `  ${name}: { method: '${method.toUpperCase()}', path: '${path}', body: ${requestBody ? (bodyRequired ? "'required'" : "'optional'") : 'false'}, bearer: '${bearer}', tenant: ${tenant}, tokens: ${tokens ? `'${tokens}'` : 'undefined'}, redirect: ${ok === operation.responses['302']} },\n`,
      );
    }
  }
  const named = (name: string) => `export type ${name} = ${typeOf(schemas[name] as Schema)};\n`;
  return (
    '// Generated from the gateway\'s /openapi.json (itself generated from the zod schemas that validate\n' +
    '// each request) by test/client/api.test.ts: do not edit. After a change to the API, rewrite it with\n' +
    '// `npx vitest run test/client/api.test.ts -u`; the test fails while it differs.\n\n' +
    `/** Every error code the gateway answers with. */\nexport const ERROR_CODES = [\n${errorCodes.map((code) => `  '${code}',\n`).join('')}] as const;\n` +
    'export type ErrorCode = (typeof ERROR_CODES)[number];\n\n' +
    '/** The body of every error answer. */\n' +
    // The error body's `error` is every code: the list above, by name.
    `export type ErrorBody = ${typeOf({ ...schemas.Error, properties: { ...(schemas.Error?.properties as Record<string, Schema>), error: { $ref: '#/components/schemas/ErrorCode' } } })};\n` +
    named('User') +
    named('Tokens') +
    '\n/** Every operation: path and query parameters, body, answer and the error codes it documents. */\n' +
    `export interface Operations {\n${operations.join('')}}\n\n` +
    '/** How each operation is sent. */\n' +
    'export interface OperationInfo {\n' +
    "  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';\n" +
    '  readonly path: string;\n' +
    "  readonly body: 'required' | 'optional' | false;\n" +
    '  /** An access token is required, accepted (or another bearer token: an enrolment token), or not read. */\n' +
    "  readonly bearer: 'required' | 'optional' | 'none';\n" +
    '  /** Reads the tenant header. */\n' +
    '  readonly tenant: boolean;\n' +
    '  /** Where the answer carries issued tokens. */\n' +
    "  readonly tokens: 'answer' | 'tokens' | undefined;\n" +
    '  /** A browser navigation (a redirect), not a call. */\n' +
    '  readonly redirect: boolean;\n' +
    '}\n\n' +
    `export const OPERATIONS = {\n${table.join('')}} as const satisfies Record<keyof Operations, OperationInfo>;\n`
  );
}
