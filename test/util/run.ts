/** Running a command as a test's subject: exit code and output, whether it succeeds or not. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCommand(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...args], { ...options, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** The repository's segwgpu command (from the repository root, where vitest runs). */
export function segwgpu(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return runCommand('node', ['bin/segwgpu.js', ...args], options);
}
