import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchOutput } from '../fixtures.js';
import { freePort } from '../helpers/ports.js';

// In test:system: the backoff between restarts is real time (1 + 2 + 4 + 8 s).
describe('WORKERS=2: gateway processes that keep crashing', () => {
  it('are replaced after 1, 2, 4 and 8 s; the 5th crash within a minute ends the whole process (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-crash-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', HASH_WORKERS: '1', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 's.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The primary's word that a process serves (after which its death is a crash, not a failed start).
    const listening = () => [...output.text.matchAll(/"message":"gateway process serving","pid":(\d+)/g)].map((m) => Number(m[1]));
    try {
      await output.until(() => listening().length === 2);
      for (let crash = 1; crash <= 5; crash++) {
        const pid = listening().at(-1) as number;
        process.kill(pid, 'SIGKILL');
        if (crash < 5) await output.until(() => listening().length === 2 + crash);
      }
      expect(await exited).toBe(1);
      const delays = [...output.text.matchAll(/"restart_in_ms":(\d+)/g)].map((m) => Number(m[1]));
      expect(delays).toEqual([1000, 2000, 4000, 8000]);
      expect(output.text).toContain('5 gateway processes crashed within 60 s');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
