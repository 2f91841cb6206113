import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { routeTable } from './table.js';
import { useGateway } from '../../test/fixtures.js';

const gw = useGateway({ MULTI_TENANT_ENABLED: 'true', OAUTH_PROVIDERS: 'github', GITHUB_CLIENT_ID: 'a', GITHUB_CLIENT_SECRET: 'b', PASSWORDLESS_ENABLED: 'true' });
const documentedRoutes = () => routeTable(gw.deps).map((spec) => `${spec.method.toUpperCase()} ${spec.path}`);

describe('the API description', () => {
  it('/openapi.json is a valid OpenAPI 3.1 document', async () => {
    const response = await gw.call('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as Record<string, unknown>;
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route the app serves, and nothing it does not', () => {
    const app = createApp(gw.deps);
    const served = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort();
    expect(documentedRoutes().sort()).toEqual(served);
  });

  it('request bodies are the validating zod schemas: fields, requirements and limits', async () => {
    const document = (await (await gw.call('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, { maxLength?: number; pattern?: string }>; required?: string[] } }> }; parameters?: Array<{ name: string }> }>>;
    };
    const invite = document.paths['/invite']?.post?.requestBody?.content['application/json']?.schema;
    expect(invite?.required).toEqual(['email']);
    expect(Object.keys(invite?.properties ?? {}).sort()).toEqual(['cf-turnstile-response', 'email', 'redirect_url', 'role']);
    expect(invite?.properties.email?.maxLength).toBe(254);
    expect(invite?.properties.role?.pattern).toBeDefined();
    expect(document.paths['/token']?.post?.requestBody?.content['application/x-www-form-urlencoded']).toBeDefined();
    expect(document.paths['/token']?.post?.parameters?.map((p) => p.name)).toContain('X-Tenant-ID');
  });

  it('each error answer lists its codes; a bearer the route checks itself is optional; the OAuth start its query', async () => {
    const document = (await (await gw.call('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { allOf?: Array<{ properties?: { error?: { enum?: string[] } } }> } }> }>; security?: unknown[]; parameters?: Array<{ name: string; in: string }> }>>;
    };
    const codes = (path: string, method: string, status: string) => document.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema.allOf?.[1]?.properties?.error?.enum;
    expect(codes('/token', 'post', '401')).toEqual(expect.arrayContaining(['invalid_credentials']));
    expect(codes('/token', 'post', '401')).not.toContain('mfa_required');
    expect(codes('/passwordless/verify', 'post', '401')).toEqual(expect.arrayContaining(['invalid_code']));
    expect(document.paths['/user']?.get?.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/token']?.post?.security).toBeUndefined();
    expect(document.paths['/oauth/{provider}']?.get?.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['redirect_url', 'tenant']);
  });

  it('/docs is the API reference, its files served by the gateway under a policy of its own (the page itself: test/system/docs-browser)', async () => {
    const page = await gw.call('/docs');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    const html = await page.text();
    for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js']) {
      expect(html).toContain(`/docs/${file}`);
      const asset = await gw.call(`/docs/${file}`);
      expect(asset.status, file).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect(await (await gw.call('/docs/init.js')).text()).toContain("url: '/openapi.json'");
    for (const other of ['package.json', '..%2Fpackage.json', 'index.html', 'swagger-ui-bundle.js.map']) expect((await gw.call(`/docs/${other}`)).status, other).toBe(404);
  });
});
