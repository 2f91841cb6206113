import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { jsonOf, send } from '../core/outbound.js';

/** CAPTCHA=turnstile; `undefined` when CAPTCHA is not set. */
export type CaptchaSettings =
  | {
      readonly secretKey: string;
      /** Without it /form shows no widget (the API still requires tokens). */
      readonly siteKey: string | undefined;
      readonly script: string;
      readonly verifyUrl: string;
      readonly timeoutMs: number;
    }
  | undefined;

/** The standard Turnstile form field, accepted in JSON and form bodies alike. */
export const CAPTCHA_FIELD = 'cf-turnstile-response';

/** Spread into a body schema of every endpoint that creates users, sends mail or checks a password. */
export const captchaField = { [CAPTCHA_FIELD]: z.string({ error: 'expected a string' }).max(4096, 'is too long').optional() };

export interface Captcha {
  /** What /form needs to show the widget; `undefined` when captcha is off. */
  readonly widget: { readonly siteKey: string; readonly script: string } | undefined;
  /**
   * Resolves when the token passes — `true`, or `false` when captcha is off (nothing was solved);
   * 400 when missing or refused, 503 when the verifier fails.
   */
  verify(token: string | undefined, clientIp: string): Promise<boolean>;
}

const siteverifyAnswer = z.object({ success: z.boolean(), 'error-codes': z.array(z.string()).optional() });

/**
 * Cloudflare Turnstile (CAPTCHA=turnstile): every token is checked with siteverify. Fails closed:
 * a verifier that is down, slow or babbling is a 503, never a pass.
 */
export function createCaptcha(config: CaptchaSettings): Captcha {
  if (!config) return { widget: undefined, verify: async () => false };
  return {
    widget: config.siteKey ? { siteKey: config.siteKey, script: config.script } : undefined,
    async verify(token, clientIp) {
      if (token === undefined || token.trim() === '') {
        throw new AppError('captcha_required', `Solve the captcha: send its token as "${CAPTCHA_FIELD}"`);
      }
      const body = new URLSearchParams({ secret: config.secretKey, response: token });
      if (clientIp !== 'unknown') body.set('remoteip', clientIp);
      let answer: unknown;
      try {
        const response = await send(config.verifyUrl, { method: 'POST', body, timeoutMs: config.timeoutMs });
        if (response.status !== 200) throw new Error(`siteverify answered ${response.status}`);
        answer = jsonOf(response);
      } catch (error) {
        throw new AppError('captcha_unavailable', 'The captcha could not be checked; please try again later', { cause: error });
      }
      const parsed = siteverifyAnswer.safeParse(answer);
      if (!parsed.success) {
        throw new AppError('captcha_unavailable', 'The captcha could not be checked; please try again later', { cause: parsed.error });
      }
      if (!parsed.data.success) throw new AppError('captcha_failed', 'The captcha was not solved; please try again');
      return true;
    },
  };
}
