import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import { emailField, redirectUrlField } from '../http/fields.js';
import { readBody } from '../http/body.js';
import { CAPTCHA_FIELD, captchaField } from '../captcha/turnstile.js';
import { resolveRedirect } from '../http/redirect.js';
import { sendMail } from '../users/mails.js';

export const resetBody = z.object({ ...captchaField, email: emailField, redirect_url: redirectUrlField.optional() });

/** POST /reset-password: mails a reset link; needs no access token. */
export function resetPasswordRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens } = deps;
  const app = new Hono<AppEnv>();
  const tenant = resolveTenant(config.tenancy);

  app.post('/reset-password', tenant, async (c) => {
    const body = await readBody(c, resetBody);
    await deps.captcha.verify(body[CAPTCHA_FIELD], c.get('clientIp'));
    const redirect = resolveRedirect(config.urls, body.redirect_url);
    const tenantId = c.get('tenantId');
    // Either way a mail goes out and the answer is `{}`: the caller learns nothing.
    const user = await backend.findByEmail(body.email, tenantId);
    if (user) {
      const token = await tokens.signVerification('reset-password', { email: user.email, tenantId, user });
      await sendMail(deps, 'reset-password', { flow: 'reset', to: user.email, redirect, tenantId, link: { action: 'reset-password', token } });
    } else {
      await sendMail(deps, 'no-account', { flow: 'reset', to: body.email, redirect, tenantId });
    }
    deps.audit.record(c, 'password_reset_requested', { userId: user?.id });
    return c.json({});
  });

  return app;
}
