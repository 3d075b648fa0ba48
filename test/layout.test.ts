/**
 * The floors of src/: every import between folders goes down this list, never up, so import ->
 * IR -> passes -> shapes -> plan -> execute reads from the folder list alone (README, Layout).
 * Type-only imports count too: a type that must come from above is in the wrong folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Bottom first. `.` is src/index.ts, the package entry: everything but node/ and cli/ is below it. */
const FLOORS = ['core', 'ir', 'gpu', 'ops', 'io', 'import', 'shapes', 'passes', 'export', 'builders', 'plan', 'exec', 'analysis', 'validate', 'tiling', 'segment', 'api', '.', 'node', 'cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The floor of a file: its first folder under src/ ('.' for src/ itself). */
function floorOf(file: string): string {
  const first = relative(SRC, file).split(/[\\/]/);
  return first.length === 1 ? '.' : first[0]!;
}

interface Import {
  readonly from: string;
  readonly to: string;
}

function imports(): Import[] {
  const found: Import[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"?]+)(?:\?[^'"]*)?['"]/g)) {
      const target = resolve(dirname(file), m[1]!);
      if (relative(SRC, target).startsWith('..')) continue; // shaders/, package.json
      found.push({ from: file, to: target.replace(/\.js$/, '.ts') });
    }
  }
  return found;
}

describe('source layout', () => {
  it('every folder of src/ has a floor', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !FLOORS.includes(f))).toEqual([]);
  });

  it('imports between folders only go down a floor', () => {
    const all = imports();
    expect(all.length).toBeGreaterThan(200);
    const upward = all
      .filter(({ from, to }) => FLOORS.indexOf(floorOf(from)) < FLOORS.indexOf(floorOf(to)))
      .map(({ from, to }) => `${relative(SRC, from)} -> ${relative(SRC, to)}`);
    expect(upward).toEqual([]);
  });

  it('no file imports itself through others (no import cycles, within a folder either)', () => {
    const next = new Map<string, string[]>();
    for (const { from, to } of imports()) next.set(from, [...(next.get(from) ?? []), to]);
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      const at = path.indexOf(file);
      if (at >= 0) {
        cycles.push([...path.slice(at), file].map((f) => relative(SRC, f)).join(' -> '));
        return;
      }
      if (done.has(file)) return;
      for (const to of next.get(file) ?? []) visit(to, [...path, file]);
      done.add(file);
    };
    for (const file of sourceFiles(SRC)) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('the check sees an upward import', () => {
    // ops below gpu would be upward: the rule is not vacuous.
    expect(FLOORS.indexOf(floorOf(join(SRC, 'gpu', 'encode.ts')))).toBeLessThan(FLOORS.indexOf(floorOf(join(SRC, 'ops', 'conv.ts'))));
    expect(imports().some(({ from, to }) => floorOf(from) === 'ops' && floorOf(to) === 'gpu')).toBe(true);
  });

  it('GPU buffers and textures are made only in src/gpu/buffers.ts, where they are counted (liveGpuResources)', () => {
    const elsewhere = sourceFiles(SRC)
      .filter((file) => !file.endsWith(join('gpu', 'buffers.ts')))
      .filter((file) => /\.create(Buffer|Texture)\(\s*\{/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(elsewhere).toEqual([]);
  });
});
