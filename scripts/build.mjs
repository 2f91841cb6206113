#!/usr/bin/env node
// Builds dist/ from src/ and stamps it with a hash of what it was built from.
//
//   node scripts/build.mjs             build (always): dist/ cleared, compiled, stamped
//   node scripts/build.mjs --if-stale  build only when dist/ is missing or its stamp does not match
//                                      src/ and the tsconfig files (contents, not file times,
//                                      which a git checkout resets); used by `npm start`
//
// A production install builds, then prunes dev dependencies: TypeScript is then gone, and a stale
// or missing dist/ is a clear refusal rather than `tsc: not found`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.build-stamp');

/** The build's inputs: src/ without tests, and the tsconfig files, in a fixed order. */
function inputs() {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? walk(path) : entry.name.endsWith('.test.ts') ? [] : [path];
    });
  return [...walk(join(root, 'src')), join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')].sort();
}

function stamp() {
  const hash = createHash('sha256');
  for (const file of inputs()) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const wanted = stamp();
if (process.argv.includes('--if-stale') && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === wanted) process.exit(0);

let tsc;
try {
  tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  process.stderr.write(
    `authura: dist/ is ${existsSync(stampFile) ? 'out of date with src/' : 'missing'} and TypeScript is not installed (an install with --omit=dev?).\n` +
      '  Build before pruning dev dependencies:  npm ci && npm run build && npm prune --omit=dev\n',
  );
  process.exit(1);
}
if (process.argv.includes('--if-stale')) process.stderr.write('authura: building dist/ (missing or out of date with src/)\n');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
writeFileSync(stampFile, `${wanted}\n`);
