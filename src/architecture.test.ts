import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The shape of src/, checked: small files, imports that only run downward, no export without a reader.

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = join(SRC, '..');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : /\.(ts|js)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

const sources = walk(SRC).filter((file) => !file.endsWith('.test.ts'));
const tests = [...walk(SRC), ...walk(join(ROOT, 'test')), ...walk(join(ROOT, 'bench'))].filter((file) => !sources.includes(file));
const text = new Map([...sources, ...tests].map((file) => [file, readFileSync(file, 'utf8')]));

/** The files of ours `file` imports (static and dynamic imports, types included). */
function importsOf(file: string): string[] {
  const found = [...(text.get(file) ?? '').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)];
  return found.map((m) => normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))).filter((target) => text.has(target) || text.has(target.replace(/\.ts$/, '.js')));
}

/** The folder of src/ a file is in (`root` for src/*.ts). */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? (parts[0] as string) : 'root';
};

/** One cycle of `graph`, as the path around it, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next, [...path, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('src/', () => {
  it('has no file over 300 lines', () => {
    const long = sources.map((file) => [relative(ROOT, file), (text.get(file) ?? '').split('\n').length] as const).filter(([, lines]) => lines > 300);
    expect(long).toEqual([]);
  });

  it('has no import circle, between files or between folders', () => {
    const files = new Map(sources.map((file) => [file, new Set(importsOf(file))]));
    expect(findCycle(files)?.map((file) => relative(SRC, file))).toBeUndefined();
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of files) {
      for (const target of targets) {
        if (folderOf(file) !== folderOf(target)) (folders.get(folderOf(file)) ?? folders.set(folderOf(file), new Set()).get(folderOf(file)))?.add(folderOf(target));
      }
    }
    expect(findCycle(folders)).toBeUndefined();
  });

  it('core/ is the bottom floor: it imports nothing of ours outside itself', () => {
    const upward = sources.filter((file) => folderOf(file) === 'core').flatMap((file) => importsOf(file).filter((target) => folderOf(target) !== 'core').map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`));
    expect(upward).toEqual([]);
  });

  it('every export is imported somewhere (by the gateway, its tests or the bench)', () => {
    const unread: string[] = [];
    for (const file of sources) {
      const names = [...(text.get(file) ?? '').matchAll(/^export (?:async )?(?:function\*?|const|class|interface|type|let) (\w+)/gm)].map((m) => m[1] as string);
      const readers = [...text.keys()].filter((other) => other !== file && importsOf(other).includes(file.replace(/\.js$/, '.ts')));
      for (const name of names) {
        if (!readers.some((reader) => new RegExp(`\\b${name}\\b`).test(text.get(reader) ?? ''))) unread.push(`${relative(SRC, file)}: ${name}`);
      }
    }
    expect(unread).toEqual([]);
  });
});
