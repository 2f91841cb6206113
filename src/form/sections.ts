/** One form of the /form page; the template renders these, so each action is data, not markup. */
export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly type: 'email' | 'password' | 'text';
  readonly autocomplete?: string;
  readonly required?: boolean;
  readonly value?: string;
}

export interface FormSection {
  readonly id: string;
  readonly title: string;
  readonly method: 'post' | 'get';
  readonly endpoint: string;
  /** Sends the page's access token as a bearer token. */
  readonly auth: boolean;
  /** Shows the captcha widget (when captcha is on): the endpoint requires its token. */
  readonly captcha: boolean;
  readonly submit: string;
  readonly fields: readonly FormField[];
}

const email: FormField = { name: 'email', label: 'Email', type: 'email', autocomplete: 'email', required: true };
const tokenField = (token: string): FormField => ({ name: 'token', label: 'Token', type: 'text', required: true, value: token });
const newPassword = (label: string, required: boolean): FormField => ({
  name: 'password',
  label,
  type: 'password',
  autocomplete: 'new-password',
  required,
});

/** The forms that use a mailed token, by the link's `action`. */
function tokenSections(token: string): FormSection[] {
  const verify = (id: string, title: string, submit: string, fields: FormField[]): FormSection => ({
    id,
    title,
    method: 'post',
    endpoint: '/verify-email',
    auth: false,
    captcha: true,
    submit,
    fields: [tokenField(token), ...fields],
  });
  return [
    verify('verify-email', 'Verify your email', 'verify email', [newPassword('Password', false)]),
    verify('invite', 'Accept the invitation', 'accept invitation', [newPassword('Password', false)]),
    verify('reset-password', 'Choose a new password', 'set new password', [newPassword('New password', true)]),
    verify('change-email', 'Confirm your new email', 'confirm new email', []),
  ];
}

/** The forms that need no mailed token. */
const PLAIN_SECTIONS: readonly FormSection[] = [
  { id: 'signup', title: 'Sign up', method: 'post', endpoint: '/signup', auth: false, captcha: true, submit: 'sign up', fields: [email] },
  {
    id: 'token',
    title: 'Log in',
    method: 'post',
    endpoint: '/token',
    auth: false,
    captcha: true,
    submit: 'log in',
    fields: [email, { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true }],
  },
  {
    id: 'refresh',
    title: 'Refresh tokens',
    method: 'post',
    endpoint: '/refresh',
    auth: false,
    captcha: false,
    submit: 'refresh',
    fields: [{ name: 'refresh_token', label: 'Refresh token', type: 'text', required: true }],
  },
  { id: 'user', title: 'Current user', method: 'get', endpoint: '/user', auth: true, captcha: false, submit: 'get user', fields: [] },
  {
    id: 'logout',
    title: 'Log out (revokes every refresh token of the user)',
    method: 'post',
    endpoint: '/logout',
    auth: false,
    captcha: false,
    submit: 'log out',
    // Empty in cookie mode: the refresh cookie is used.
    fields: [{ name: 'refresh_token', label: 'Refresh token', type: 'text', required: false }],
  },
  {
    id: 'change-password',
    title: 'Change password',
    method: 'post',
    endpoint: '/change-password',
    auth: true,
    captcha: true,
    submit: 'change password',
    fields: [
      { name: 'old_password', label: 'Old password', type: 'password', autocomplete: 'current-password', required: true },
      { name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true },
    ],
  },
  { id: 'change-email', title: 'Change email', method: 'post', endpoint: '/change-email', auth: true, captcha: true, submit: 'change email', fields: [email] },
  {
    id: 'invite',
    title: 'Invite a user',
    method: 'post',
    endpoint: '/invite',
    auth: true,
    captcha: true,
    submit: 'invite',
    fields: [email, { name: 'role', label: 'Role', type: 'text' }],
  },
  { id: 'reset-password', title: 'Forgot password', method: 'post', endpoint: '/reset-password', auth: false, captcha: true, submit: 'send reset link', fields: [email] },
];

/**
 * The page's forms for `action`: the one it names first (with `token` filled in when the
 * action is a mailed link's), then every other action.
 */
export function formSections(action: string | undefined, token: string | undefined): {
  primary: FormSection | undefined;
  others: FormSection[];
} {
  const candidates = token ? [...tokenSections(token), ...PLAIN_SECTIONS] : [...PLAIN_SECTIONS];
  const primary = candidates.find((s) => s.id === action);
  const others = PLAIN_SECTIONS.filter((s) => s !== primary);
  return { primary, others };
}
