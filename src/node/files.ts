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

/** Longest file-name stem outputFileStems makes: far below every file system's 255-byte limit, room for an extension. */
export const MAX_FILE_STEM = 100;

/**
 * One file-name stem per value name, safe (safeFileName), at most MAX_FILE_STEM characters and
 * distinct even where names differ only in characters sanitising merges ('a/b' and 'a:b'), in
 * case (case-insensitive file systems), or past the length bound. A stem that would clash, was
 * cut, or is empty or dots only gets '-' and a hash of the full name, so the same graph always
 * writes the same files.
 */
export function outputFileStems(names: readonly string[]): string[] {
  const taken = new Set<string>();
  const plain = names.map((name) => safeFileName(name));
  const counts = new Map<string, number>();
  for (const s of plain) counts.set(s.toLowerCase(), (counts.get(s.toLowerCase()) ?? 0) + 1);
  return names.map((name, i) => {
    let stem = plain[i]!;
    const needsHash = stem.length > MAX_FILE_STEM || /^\.*$/.test(stem) || counts.get(stem.toLowerCase())! > 1;
    if (needsHash) stem = `${stem.slice(0, MAX_FILE_STEM - 9).replace(/^\.*$/, '') || 'output'}-${fnv1a(name)}`;
    // Distinct names hashing alike, or a plain name equal to another's hashed stem: count up.
    for (let k = 2; taken.has(stem.toLowerCase()); k++) stem = `${stem.slice(0, MAX_FILE_STEM - 4)}-${k}`;
    taken.add(stem.toLowerCase());
    return stem;
  });
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
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
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) {
    for (const t of temps) rmSync(t.temp, { force: true });
    throw new SegwgpuError('internal: two output files have the same path');
  }
  const renamed: string[] = [];
  try {
    for (const t of temps) {
      renameSync(t.temp, t.path);
      renamed.push(t.path);
    }
  } catch (e) {
    // All or nothing: what was renamed already goes too (it may have replaced an older file of
    // that name, which cannot come back; the alternative is a half-written set).
    for (const t of temps) rmSync(t.temp, { force: true });
    for (const p of renamed) rmSync(p, { force: true });
    throw new SegwgpuError(`cannot write output files: ${(e as Error).message}`);
  }
}
