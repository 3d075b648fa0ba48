/**
 * .npy files on disk (Node only; the format itself is src/io/npy.ts, which the browser shares).
 * Writes are atomic: the bytes go to a temporary file in the same folder, which is then renamed
 * over the target, so a crash never leaves a half-written .npy behind.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SegwgpuError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { readNpy, writeNpy } from '../io/npy.js';

export async function readNpyFile(path: string): Promise<Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new SegwgpuError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return readNpy(bytes, path);
}

/** Writes `t` to `path` as .npy, atomically (temporary file in the same folder, then rename). */
export async function writeNpyFile(path: string, t: Tensor): Promise<void> {
  const bytes = writeNpy(t);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new SegwgpuError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
