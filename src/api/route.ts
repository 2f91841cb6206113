import type { Context } from 'hono';
import type { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import type { AppEnv } from '../http/context.js';
/** One input of a /form section. */
export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly type: 'email' | 'password' | 'text';
  readonly autocomplete?: string;
  readonly required?: boolean;
  readonly value?: string;
}

/** One form of the /form page for a route (a route may have several: one per mailed-link action). */
interface FormSectionSpec {
  readonly id: string;
  readonly title: string;
  readonly submit: string;
  readonly fields: readonly FormField[];
  /** Shown only when the page was opened from a mailed link (`?action=…&token=…`): the token is filled in. */
  readonly mailedLink?: boolean;
}

/**
 * A route, declared once: the handler, the request schema it reads, the answer and errors it
 * documents, and its /form sections. The app mounts it, /openapi.json describes it, /form offers
 * it, and the tests check its answers against what it documents.
 */
export interface RouteSpec<B extends z.ZodType = z.ZodType> {
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** Hono's path syntax (`/oauth/:provider`). */
  readonly path: string;
  readonly tag: 'account' | 'session' | 'mfa' | 'passkeys' | 'oauth' | 'development' | 'operations' | 'admin';
  readonly summary: string;
  /** The body (JSON or form-urlencoded) `read()` validates. */
  readonly body?: B;
  /** The query parameters the handler reads (described in OpenAPI; the handler parses them). */
  readonly query?: z.ZodObject;
  /**
   * The body also carries a captcha token: `read()` checks it (`true`), or the handler does, for
   * only some of its requests (`handler`: /token checks it for password logins, not impersonation).
   */
  readonly captcha?: true | 'handler';
  /**
   * Fields that mean something on another endpoint and would otherwise be dropped in silence (a
   * `password` sent to /signup): present, they are a 400 saying where they belong. Other unknown
   * fields stay ignored.
   */
  readonly misplaced?: Readonly<Record<string, string>>;
  /**
   * The request names a tenant: `header` (or an allowed host); `query` also accepts `?tenant=`;
   * `link`: the header or host when sent, else the tenant the body's mailed-link token was signed for.
   */
  readonly tenant?: 'header' | 'query' | 'link';
  /** An access token is required (the Authorization header; the cookie on reading requests). */
  readonly auth?: boolean;
  /** /form sends the page's access token (or an enrolment token held there) though the route checks it itself. */
  readonly formBearer?: true;
  /** Answered before the host check and the per-IP limit (health checks, the API description). */
  readonly open?: boolean;
  /** Sets, reads or clears the token cookies: with cookie delivery, refused from another site. */
  readonly sessionCookies?: boolean;
  readonly ok: { readonly status: 200 | 302; readonly description: string; readonly schema?: z.ZodType; readonly contentType?: string };
  /** The codes this route answers with beyond those of its kind ({@link documentedErrors}). */
  readonly errors: readonly ErrorCode[];
  /** A webhook's refusal reaches the client as the hook's own status and body. */
  readonly hookRefusals?: boolean;
  readonly form?: readonly FormSectionSpec[];
  /**
   * Answers the request. `read()` reads and validates the body (and its captcha): a handler calls
   * it after any check that must come before the body (who may call, for instance).
   */
  readonly handle: (c: Context<AppEnv>, read: () => Promise<z.output<B>>) => Promise<Response> | Response;
}

/**
 * Declares a route: its handler is checked against its own body schema here, and the table holds
 * every route alike (the mount gives each handler what its schema parsed).
 */
export function route<B extends z.ZodType>(spec: RouteSpec<B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/**
 * Every error code `spec` can answer with: its own, and those of its kind — any route (500,
 * overload), routes behind the host check and the per-IP limit, routes that read a body, name a
 * tenant, need a token, take a captcha, or use the token cookies (cookie delivery).
 */
export function documentedErrors(spec: RouteSpec, options: { hosts: boolean; perIp: boolean; cookies: boolean }): ErrorCode[] {
  const codes = new Set<ErrorCode>(['internal_error', ...spec.errors]);
  if (spec.sessionCookies && options.cookies) codes.add('cross_site_request');
  if (!spec.open && options.hosts) codes.add('invalid_host');
  if (!spec.open && options.perIp) for (const code of ['rate_limited', 'rate_limit_unavailable'] as const) codes.add(code);
  if (spec.body) for (const code of ['validation_failed', 'invalid_json', 'payload_too_large', 'unsupported_media_type'] as const) codes.add(code);
  if (spec.tenant) codes.add('tenant_required');
  if (spec.auth) for (const code of ['unauthorized', 'invalid_token'] as const) codes.add(code);
  if (spec.captcha) for (const code of ['captcha_required', 'captcha_failed', 'captcha_unavailable'] as const) codes.add(code);
  return [...codes];
}
