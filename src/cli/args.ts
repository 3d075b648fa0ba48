/** A small argument parser: positional arguments, `--flag value`, repeatable flags, boolean switches. */
import { SegwgpuError } from '../errors.js';

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string[]>;
  readonly switches: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: { values: readonly string[]; switches: readonly string[] }, command: string): ParsedArgs {
  const positional: string[] = [];
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=') && !spec.values.includes(arg) ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (spec.switches.includes(name)) {
      switches.add(name);
    } else if (spec.values.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new SegwgpuError(`segwgpu ${command}: ${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else {
      throw new SegwgpuError(`segwgpu ${command}: unknown option ${name} (options: ${[...spec.values, ...spec.switches].join(', ')})`);
    }
  }
  return { positional, values, switches };
}

/** `name=value` pairs from repeatable flags such as --input x=file.npy. */
export function namedValues(args: ParsedArgs, flag: string, command: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of args.values.get(flag) ?? []) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new SegwgpuError(`segwgpu ${command}: ${flag} takes name=value, got '${raw}'`);
    out.set(raw.slice(0, eq), raw.slice(eq + 1));
  }
  return out;
}

export function single(args: ParsedArgs, flag: string): string | undefined {
  const v = args.values.get(flag);
  return v?.[v.length - 1];
}

export function numberFlag(args: ParsedArgs, flag: string, fallback: number, command: string): number {
  const raw = single(args, flag);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new SegwgpuError(`segwgpu ${command}: ${flag} must be a non-negative number, got '${raw}'`);
  return n;
}

/** 1x3x256x256 -> [1, 3, 256, 256] */
export function parseShape(text: string, what: string): number[] {
  const dims = text.split(/[x,]/).map((d) => Number(d));
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new SegwgpuError(`${what}: '${text}' is not a shape like 1x3x256x256`);
  return dims;
}
