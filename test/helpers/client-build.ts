import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds client/ as `npm run build -w client` does, into a new directory (tests run at once); answers it. */
export function buildClient(): string {
  const out = mkdtempSync(join(tmpdir(), 'authura-client-'));
  execFileSync(join(process.cwd(), 'node_modules/.bin/tsc'), ['-p', 'client/tsconfig.json', '--outDir', out], { stdio: 'pipe' });
  return out;
}
