import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { openApiPath } from './openapi.js';
import { routeTable } from './table.js';
import { useGateway } from '../../test/fixtures.js';

const gw = useGateway({ MULTI_TENANT_ENABLED: 'true', OAUTH_PROVIDERS: 'github', GITHUB_CLIENT_ID: 'a', GITHUB_CLIENT_SECRET: 'b' });
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

  it('/docs shows every operation', async () => {
    const page = await (await gw.call('/docs')).text();
    for (const route of documentedRoutes()) {
      const [method, path] = route.split(' ') as [string, string];
      expect(page).toContain(`<code>${method}</code></td><td style="padding: 4px 12px 4px 0;"><code>${openApiPath(path)}</code>`);
    }
  });
});
