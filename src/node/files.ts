/** File helpers for the CLI: reading with clear errors, atomic multi-file writes. */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SegwgpuError } from '../core/errors.js';

export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new SegwgpuError(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Characters outside [A-Za-z0-9._-] become '_', so any value name makes a safe file name. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Writes several files so that either all appear or none: each is written under a temporary name
 * in its target folder first, and renamed only when every write succeeded.
 */
export function writeFilesAtomically(files: readonly { path: string; bytes: Uint8Array }[]): void {
  const temps: { temp: string; path: string }[] = [];
  try {
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      const temp = join(dirname(f.path), `.${basename(f.path)}.${process.pid}.tmp`);
      temps.push({ temp, path: f.path });
      writeFileSync(temp, f.bytes);
    }
  } catch (e) {
    for (const t of temps) rmSync(t.temp, { force: true });
    throw new SegwgpuError(`cannot write output files: ${(e as Error).message}`);
  }
  for (const t of temps) renameSync(t.temp, t.path);
}
