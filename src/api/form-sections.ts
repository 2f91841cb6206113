import type { FormField, RouteSpec } from './route.js';

/** A form of the /form page, as the template renders it. */
interface FormSection {
  readonly id: string;
  readonly title: string;
  readonly method: 'post' | 'get' | 'patch' | 'delete';
  readonly endpoint: string;
  /** Sends the page's access token as a bearer token. */
  readonly auth: boolean;
  /** Shows the captcha widget (when captcha is on): the endpoint requires its token. */
  readonly captcha: boolean;
  readonly submit: string;
  readonly fields: readonly FormField[];
}

/** The fields the sections share. */
export const FIELDS = {
  email: { name: 'email', label: 'Email', type: 'email', autocomplete: 'email', required: true },
  newPassword: (label: string, required: boolean): FormField => ({ name: 'password', label, type: 'password', autocomplete: 'new-password', required }),
  currentPassword: (name = 'password', label = 'Password'): FormField => ({ name, label, type: 'password', autocomplete: 'current-password', required: true }),
} as const satisfies Record<string, FormField | ((...args: never[]) => FormField)>;

/**
 * The page's forms, from the route table: the one `action` names first (with `token` filled in
 * when the action is a mailed link's), then every other action that needs no mailed token.
 */
export function formSections(routes: readonly RouteSpec[], action: string | undefined, token: string | undefined): { primary: FormSection | undefined; others: FormSection[] } {
  const plain: FormSection[] = [];
  const linked: FormSection[] = [];
  for (const spec of routes) {
    for (const section of spec.form ?? []) {
      const form = { id: section.id, title: section.title, method: spec.method, endpoint: spec.path, auth: spec.auth === true || spec.formBearer === true, captcha: spec.captcha !== undefined, submit: section.submit };
      if (!section.mailedLink) plain.push({ ...form, fields: section.fields });
      else if (token !== undefined) linked.push({ ...form, fields: [{ name: 'token', label: 'Token', type: 'text', required: true, value: token }, ...section.fields] });
    }
  }
  const primary = [...linked, ...plain].find((s) => s.id === action);
  return { primary, others: plain.filter((s) => s !== primary) };
}
