import Handlebars from 'handlebars';

/** The user fields a claim template can use, by the Authura (Go) names and their snake_case twins. */
interface ClaimTemplateUser {
  readonly id: string | number;
  readonly email: string;
  readonly role: string;
  readonly verified_at: string | null;
}

/** Renders JWT_ENV_EXTENSION_CLAIMS for one user. */
type ClaimsRenderer = (user: ClaimTemplateUser, tenantId: string | null) => unknown;

function templateContext(user: ClaimTemplateUser, tenantId: string | null): Record<string, string> {
  const values = {
    id: String(user.id),
    email: user.email,
    role: user.role,
    tenant_id: tenantId ?? '',
    verified_at: user.verified_at ?? '',
  };
  return { ...values, ID: values.id, Email: values.email, Role: values.role, TenantID: values.tenant_id, VerifiedAt: values.verified_at };
}

type Renderer = (context: Record<string, string>) => unknown;

/**
 * A JSON value whose string values are templates. The JSON is parsed before any user data is
 * seen, so a value can never add a claim or break out of its string, whatever the user's email or
 * role holds.
 */
function compile(value: unknown, hb: typeof Handlebars): Renderer {
  if (typeof value === 'string') {
    // The Authura README's Go form `{{.ID}}` is handlebars' `{{ID}}`.
    const template = hb.compile(value.replace(/\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, '{{$1}}'), { noEscape: true, strict: true });
    return (context) => template(context);
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => compile(item, hb));
    return (context) => items.map((render) => render(context));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, child]) => [key, compile(child, hb)] as const);
    return (context) => Object.fromEntries(entries.map(([key, render]) => [key, render(context)]));
  }
  return () => value;
}

/**
 * Compiles JWT_ENV_EXTENSION_CLAIMS. Throws (with a sentence for the config report) when it is
 * not a JSON object or names an unknown field: rendered once with a sample user, so a misspelt
 * field fails at start, not at the first login.
 */
export function compileClaimsTemplate(claimsJson: string): ClaimsRenderer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(claimsJson);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
  const render = compile(parsed, Handlebars.create());
  try {
    render(templateContext({ id: 1, email: 'a@b.c', role: 'r', verified_at: null }, null));
  } catch (error) {
    throw new Error(`uses an unknown field (${(error as Error).message.split('\n')[0]}); fields: ID, Email, Role, TenantID, VerifiedAt`);
  }
  return (user, tenantId) => render(templateContext(user, tenantId));
}
