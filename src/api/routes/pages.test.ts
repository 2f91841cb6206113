import { describe, expect, it } from 'vitest';
import { useGateway } from '../../../test/fixtures.js';

const gw = useGateway();

describe('GET /form', () => {
  it('renders the README form for a verification link, token prefilled', async () => {
    const response = await gw.call('/form?action=verify-email&token=a_valid_verification_token');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/<form method="post" action="\/verify-email"[^>]*>/);
    expect(html).toContain('name="token" type="text" value="a_valid_verification_token"');
    expect(html).toContain('name="password" type="password"');
    expect(html).toContain('verify email</button>');
  });

  it.each([
    ['reset-password', '/verify-email', 'set new password'],
    ['change-email', '/verify-email', 'confirm new email'],
    ['invite', '/verify-email', 'accept invitation'],
  ])('action=%s with a token posts to %s', async (action, endpoint, submit) => {
    const html = await (await gw.call(`/form?action=${action}&token=t0k`)).text();
    const primary = html.slice(html.indexOf('<section id="primary">'), html.indexOf('<h2>Result</h2>'));
    expect(primary).toContain(`action="${endpoint}"`);
    expect(primary).toContain(`${submit}</button>`);
    expect(primary).toContain('value="t0k"');
  });

  it('lists every action', async () => {
    const html = await (await gw.call('/form')).text();
    for (const endpoint of ['/signup', '/token', '/refresh', '/user', '/change-password', '/change-email', '/invite', '/reset-password']) {
      expect(html).toContain(`action="${endpoint}"`);
    }
  });

  it('escapes the token and locks scripts down with a nonce CSP', async () => {
    const response = await gw.call(`/form?action=verify-email&token=${encodeURIComponent('"><script>alert(1)</script>')}`);
    const html = await response.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // Without captcha: no widget, and no frames at all.
    expect(html).not.toContain('cf-turnstile');
    expect(csp).toContain("frame-src 'none'");
  });
});
