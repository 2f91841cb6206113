import { z } from 'zod';
import { ROLE_NAME } from '../accounts/users.js';
import { BACKEND_ERRORS, HOOK_ERRORS } from '../api/error-groups.js';
import { emailField, passwordField, roleField } from '../api/fields.js';
import { route, type RouteSpec } from '../api/route.js';
import { userSchema } from '../api/schemas.js';
import type { AppServices } from '../api/services.js';
import { AppError, type ErrorCode } from '../core/errors.js';
import { scopeOf } from '../http/context.js';
import { adminCreateUser, adminDeleteUser, adminGetUser, adminLink, adminListUsers, adminLogout, adminUpdateUser } from './users.js';

/** What every admin call may answer beyond its own: the key check and its rate limit. */
const ADMIN_ERRORS = ['unauthorized', 'rate_limited', 'rate_limit_unavailable', ...BACKEND_ERRORS] as const satisfies readonly ErrorCode[];

const tenantParam = z.string().trim().max(256).optional().meta({ description: 'The tenant (multi-tenancy); absent: no tenant' });
const listQuery = z.object({
  query: z.string().trim().max(254).optional().meta({ description: 'The start of the email address (any case)' }),
  tenant: z.string().trim().max(256).optional().meta({ description: 'Only this tenant (absent: every tenant; empty: no tenant)' }),
  role: z.string().trim().regex(ROLE_NAME).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional().meta({ description: 'The next_cursor of the page before' }),
});
const idQuery = z.object({ tenant: tenantParam });
const createBody = z.object({
  email: emailField,
  role: roleField.optional(),
  password: passwordField.optional(),
  password_hash: z.string().max(1024).optional().meta({ description: 'A stored hash in a format the gateway verifies (README, Migrating users)' }),
  verified: z.boolean().optional(),
  tenant_id: z.string().trim().min(1).max(256).optional(),
});
const patchBody = z.object({ email: emailField.optional(), role: roleField.optional(), verified: z.boolean().optional(), password: passwordField.optional() });
const linkBody = z.discriminatedUnion('action', [z.object({ action: z.literal('reset-password') }), z.object({ action: z.literal('change-email'), email: emailField })]);

/** The query of a request, parsed by its schema (400 as a body's would be). */
function queryOf<Q extends z.ZodObject>(schema: Q, raw: Record<string, string>): z.output<Q> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new AppError('validation_failed', `The request is invalid (${issues[0]?.path}: ${issues[0]?.message})`, { issues });
}
/** `tenant=` in the query: absent is no tenant on one user's routes. */
const tenantOf = (tenant: string | undefined) => (tenant === undefined || tenant === '' ? null : tenant);
const id = (c: { req: { param(name: string): string | undefined } }) => c.req.param('id') ?? '';

/** The admin API's routes (ADMIN_PORT): user management for support staff and scripts. */
export function adminRoutes(deps: AppServices): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/admin/users',
      tag: 'admin',
      summary: 'Search users by email prefix, tenant and role; a page at a time',
      query: listQuery,
      ok: { status: 200, description: 'A page of users and the cursor of the next (null: the last)', schema: z.object({ users: z.array(userSchema), next_cursor: z.string().nullable() }) },
      errors: [...ADMIN_ERRORS, 'validation_failed', 'not_supported'],
      async handle(c) {
        const q = queryOf(listQuery, c.req.query());
        return c.json(await adminListUsers(deps, { query: q.query || undefined, tenantId: q.tenant === undefined ? undefined : tenantOf(q.tenant), role: q.role, limit: q.limit, cursor: q.cursor }));
      },
    }),
    route({
      method: 'get',
      path: '/admin/users/:id',
      tag: 'admin',
      summary: 'One user',
      query: idQuery,
      ok: { status: 200, description: 'The user', schema: userSchema },
      errors: [...ADMIN_ERRORS, 'validation_failed', 'not_found'],
      async handle(c) {
        return c.json(await adminGetUser(deps, id(c), tenantOf(queryOf(idQuery, c.req.query()).tenant)));
      },
    }),
    route({
      method: 'post',
      path: '/admin/users',
      tag: 'admin',
      summary: 'Create a user (a password, a stored hash of a known format, or neither)',
      body: createBody,
      ok: { status: 200, description: 'The user', schema: userSchema },
      errors: [...ADMIN_ERRORS, 'weak_password', 'conflict', 'overloaded', ...HOOK_ERRORS],
      hookRefusals: true,
      async handle(c, read) {
        const b = await read();
        return c.json(await adminCreateUser(deps, { email: b.email, role: b.role, password: b.password, passwordHash: b.password_hash, verified: b.verified, tenantId: b.tenant_id ?? null }));
      },
    }),
    route({
      method: 'patch',
      path: '/admin/users/:id',
      tag: 'admin',
      summary: 'Change email, role, verified or password (sessions end and mails go as elsewhere)',
      body: patchBody,
      query: idQuery,
      ok: { status: 200, description: 'The user', schema: userSchema },
      errors: [...ADMIN_ERRORS, 'not_found', 'conflict', 'weak_password', 'overloaded', 'mail_failed', 'mail_unavailable', 'mail_timeout', ...HOOK_ERRORS],
      hookRefusals: true,
      async handle(c, read) {
        const tenantId = tenantOf(queryOf(idQuery, c.req.query()).tenant);
        const b = await read();
        return c.json(await adminUpdateUser(deps, id(c), tenantId, b));
      },
    }),
    route({
      method: 'delete',
      path: '/admin/users/:id',
      tag: 'admin',
      summary: 'Delete a user (with its second factors and passkeys; used links stay used)',
      query: idQuery,
      ok: { status: 200, description: '`{}`', schema: z.object({}) },
      errors: [...ADMIN_ERRORS, 'validation_failed', 'not_found', 'conflict', 'not_supported'],
      async handle(c) {
        await adminDeleteUser(deps, id(c), tenantOf(queryOf(idQuery, c.req.query()).tenant));
        return c.json({});
      },
    }),
    route({
      method: 'post',
      path: '/admin/users/:id/logout',
      tag: 'admin',
      summary: 'End every session of the user',
      query: idQuery,
      ok: { status: 200, description: '`{}`', schema: z.object({}) },
      errors: [...ADMIN_ERRORS, 'validation_failed', 'not_found', 'conflict', 'not_supported'],
      async handle(c) {
        await adminLogout(deps, id(c), tenantOf(queryOf(idQuery, c.req.query()).tenant));
        return c.json({});
      },
    }),
    route({
      method: 'post',
      path: '/admin/users/:id/links',
      tag: 'admin',
      summary: 'A reset-password or change-email link, answered instead of mailed',
      body: linkBody,
      query: idQuery,
      ok: { status: 200, description: 'The link and its lifetime (seconds)', schema: z.object({ link: z.string(), expires_in: z.number() }) },
      errors: [...ADMIN_ERRORS, 'not_found', 'conflict'],
      async handle(c, read) {
        const tenantId = tenantOf(queryOf(idQuery, c.req.query()).tenant);
        const b = await read();
        return c.json(await adminLink(deps, { ...scopeOf(c), tenantId }, id(c), b));
      },
    }),
  ];
}
