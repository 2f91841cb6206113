import type { AppServices } from './services.js';
import type { RouteSpec } from './route.js';
import { inviteRoute, resetPasswordRoute } from './routes/mail-flows.js';
import { mfaRoutes } from './routes/mfa.js';
import { oauthRoutes } from './routes/oauth.js';
import { passkeyRoutes } from './routes/passkeys.js';
import { passwordlessRoutes } from './routes/passwordless.js';
import { operationsRoutes } from './routes/operations.js';
import { docsRoutes, formRoute } from './routes/pages.js';
import { changeEmailRoute, changePasswordRoute, userRoute } from './routes/profile.js';
import { signupRoute, verifyEmailRoute } from './routes/registration.js';
import { logoutRoute, refreshRoute, tokenRoute } from './routes/session.js';

/**
 * Every route of the gateway, declared once, in the order /form lists its forms. The routes
 * marked `open` (health checks, the API description) are answered before the host check and the
 * per-IP limit; the app mounts them first.
 */
export function routeTable(deps: AppServices): readonly RouteSpec[] {
  const table: RouteSpec[] = [];
  const all = () => table;
  table.push(
    ...operationsRoutes(deps),
    ...docsRoutes(deps, all),
    formRoute(deps, all),
    signupRoute(deps),
    verifyEmailRoute(deps),
    tokenRoute(deps),
    // Off unless PASSWORDLESS_ENABLED: a sign-in method that bypasses the password policy.
    ...(deps.config.passwordless.enabled ? passwordlessRoutes(deps) : []),
    // Off unless MFA_ENABLED.
    ...(deps.config.mfa.enabled ? mfaRoutes(deps) : []),
    // Off unless PASSKEYS_ENABLED.
    ...(deps.config.passkeys.enabled ? passkeyRoutes(deps) : []),
    refreshRoute(deps),
    userRoute(deps),
    logoutRoute(deps),
    changePasswordRoute(deps),
    changeEmailRoute(deps),
    inviteRoute(deps),
    resetPasswordRoute(deps),
    ...oauthRoutes(deps),
  );
  return table;
}
