// A single-page app signed in through Authura with cookie delivery: the tokens live in HttpOnly
// cookies the page's scripts never see; the client sends them along, keeps the session renewed
// before it expires (one refresh for every open tab), and reports refusals as typed errors.
import { createAuthuraClient, isAuthuraError } from './authura-client/index.js';

const config = await (await fetch('./config.json')).json();
const authura = createAuthuraClient({ baseUrl: config.gatewayUrl, delivery: 'cookie', ...(config.tenant ? { tenant: config.tenant } : {}) });

const $ = (id) => document.getElementById(id);
let mfaToken;

function show(view, text) {
  for (const id of ['sign-in', 'second-factor', 'signed-in']) $(id).hidden = id !== view;
  $('status').textContent = text;
}

function fail(error) {
  // The gateway's message is written for people; the code is for the program.
  $('error').textContent = isAuthuraError(error) ? error.message : 'Something went wrong';
  $('error').dataset.code = isAuthuraError(error) ? error.code : 'unknown';
}

async function showUser() {
  const { user } = await authura.user();
  $('email').textContent = user.email;
  show('signed-in', 'Signed in');
}

/** On load: the access cookie may still be good; if not, the refresh cookie may renew it. */
async function start() {
  try {
    await showUser();
  } catch (error) {
    if (!isAuthuraError(error, 'unauthorized', 'invalid_token')) return fail(error);
    try {
      await authura.refresh();
      await showUser();
    } catch {
      show('sign-in', 'Signed out');
    }
  }
}

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  const form = new FormData(event.currentTarget);
  try {
    await authura.token({ email: String(form.get('email')), password: String(form.get('password')) });
    await showUser();
  } catch (error) {
    if (isAuthuraError(error, 'mfa_required')) {
      mfaToken = error.mfaToken;
      return show('second-factor', 'A second factor is needed');
    }
    fail(error);
  }
});

$('second-factor').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  try {
    await authura.mfaVerify({ mfa_token: mfaToken, code: String(new FormData(event.currentTarget).get('code')) });
    await showUser();
  } catch (error) {
    fail(error);
  }
});

$('sign-out').addEventListener('click', async () => {
  try {
    await authura.logout();
  } catch (error) {
    if (!isAuthuraError(error, 'invalid_token')) return fail(error);
  }
  show('sign-in', 'Signed out');
});

// Another tab signed in or out, or the gateway ended the session: follow it.
authura.session.onChange((state) => {
  if (state === null) show('sign-in', 'Signed out');
  else if ($('signed-in').hidden) showUser().catch(fail);
});

await start();
