import { createHmac } from 'node:crypto';
import type { UserId } from '../backends/types.js';
import { AppError, HookRefusal } from '../core/errors.js';
import { send } from '../core/outbound.js';

/** HOOK_*: where webhooks go and how they are authenticated; `undefined` without HOOK_URL. */
export type HookSettings =
  | {
      readonly url: string;
      readonly timeoutMs: number;
      readonly authHeader: { readonly name: string; readonly value: string } | undefined;
      readonly signingSecret: string | undefined;
    }
  | undefined;

type HookAction = 'get_user' | 'create_or_update_user';

/** The user as a hook receives it: never the password hash; `id` is null before a create. */
interface HookUser {
  readonly id: UserId | null;
  readonly email: string;
  readonly role: string;
  readonly tenant_id: string | null;
  readonly verified_at: string | null;
}

/** What a hook answered: arbitrary JSON object, carried as `hook_data`. */
export type HookData = Record<string, unknown>;

/** What a call is about beyond the user object. */
interface HookContext {
  /** The admin acting as the user (impersonation): sent in {@link IMPERSONATOR_HEADER}. */
  readonly impersonatorId?: UserId;
}

export interface HookClient {
  /** `undefined` when no hook is configured. Throws {@link HookRefusal} or an {@link AppError}. */
  call(action: HookAction, user: HookUser, context?: HookContext): Promise<HookData | undefined>;
}

/**
 * The header carrying `t=<unix seconds>,v1=<hex>,v2=<hex>`: `v1` is the HMAC-SHA256 of
 * `"<t>.<body>"` (deprecated: it does not cover the action), `v2` of `"<t>.<action>.<body>"`, or
 * of `"<t>.<action>.<impersonator>.<body>"` when {@link IMPERSONATOR_HEADER} is sent.
 */
const SIGNATURE_HEADER = 'X-Authura-Signature';
/** Sent (and covered by `v2`) while an admin acts as the user: the admin's id. */
const IMPERSONATOR_HEADER = 'X-Authura-Impersonator';
/** A hook's refusal body is passed on up to this size. */
const MAX_REFUSAL_BYTES = 16 * 1024;

/** Signs a hook call the way receivers verify it (see README "Hooks"). */
function signHookCall(
  secret: string,
  call: { action: HookAction; body: string; impersonator?: string },
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
  const covered = call.impersonator === undefined ? call.action : `${call.action}.${call.impersonator}`;
  return `t=${timestamp},v1=${mac(`${timestamp}.${call.body}`)},v2=${mac(`${timestamp}.${covered}.${call.body}`)}`;
}

/** The Authura README's hooks: `POST {HOOK_URL}?action=…` with the user object as the body. */
export function createHookClient(config: HookSettings): HookClient {
  if (!config) return { call: async () => undefined };
  return {
    async call(action, user, context = {}) {
      const body = JSON.stringify({
        id: user.id,
        email: user.email,
        role: user.role,
        tenant_id: user.tenant_id,
        verified_at: user.verified_at,
      });
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (config.authHeader) headers[config.authHeader.name] = config.authHeader.value;
      const impersonator = context.impersonatorId === undefined ? undefined : String(context.impersonatorId);
      if (impersonator !== undefined) headers[IMPERSONATOR_HEADER] = impersonator;
      if (config.signingSecret) headers[SIGNATURE_HEADER] = signHookCall(config.signingSecret, { action, body, impersonator });
      const url = new URL(config.url);
      url.searchParams.set('action', action);
      let answer: Awaited<ReturnType<typeof send>>;
      try {
        answer = await send(url, { method: 'POST', headers, body, timeoutMs: config.timeoutMs });
      } catch (error) {
        if ((error as { code?: unknown }).code === 'timeout') {
          throw new AppError('hook_timeout', 'The webhook did not answer in time', { cause: error });
        }
        throw new AppError('hook_failed', 'The webhook is unreachable', { cause: error });
      }
      const { status, text } = answer;
      if (status < 200 || status >= 300) {
        // As the Authura README says: the client gets the hook's status and body.
        if (status >= 400 && status <= 599) throw new HookRefusal(status, refusalBody(text));
        throw new AppError('hook_failed', `The webhook answered with an unexpected status ${status}`);
      }
      if (text.trim() === '') return undefined;
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        throw new AppError('hook_failed', 'The webhook answered with invalid JSON', { cause: error });
      }
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new AppError('hook_failed', 'The webhook must answer with a JSON object');
      }
      return data as HookData;
    },
  };
}

/** The hook's refusal as a JSON object; a non-JSON body is wrapped, an oversized one cut. */
function refusalBody(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && text.length <= MAX_REFUSAL_BYTES) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON: wrapped below.
  }
  return { error: 'hook_refused', message: text.slice(0, 1000) || 'The webhook refused the operation' };
}
