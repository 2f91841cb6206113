import { describe, expect, it } from 'vitest';
import { useGateway } from './fixtures.js';

// What only a real socket shows: Node's own limits, and bodies as they arrive over the wire.
const gw = useGateway({}, { listening: true });

describe('over a real socket', () => {
  it('answers headers beyond the server limit with a 431 JSON error', async () => {
    const response = await gw.call('/user', { bearer: 'x'.repeat(20_000) });
    expect(response.status).toBe(431);
    expect(await response.json()).toMatchObject({ error: 'headers_too_large' });
  });

  it('refuses a body over 64 KiB by its declared Content-Length, and a chunked one as it streams', async () => {
    const big = JSON.stringify({ email: 'a@example.com', pad: 'x'.repeat(70_000) });
    const declared = await gw.call('/reset-password', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'payload_too_large' });
    const chunked = await gw.call('/reset-password', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          const bytes = new TextEncoder().encode(big);
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ error: 'payload_too_large' });
  });
});
