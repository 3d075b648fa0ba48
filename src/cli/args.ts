/**
 * Command-line parsing on Node's util.parseArgs (strict), from one spec per command that also
 * writes the command's --help, so the options a command takes and the options its help lists
 * cannot drift apart.
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import { SegwgpuError } from '../core/errors.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Repeatable (--input a=x.npy --input b=y.npy). */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in the help (FILE, N, ...). */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  /** What follows the command name besides options: `<model>`, `<image>`. */
  readonly positionals: string;
  /** Positional arguments: exactly this many, or [fewest, most]. */
  readonly positionalCount: number | readonly [number, number];
  /** One line for the command list of `segwgpu --help`. */
  readonly brief: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Extra help text after the options (defaults, exit codes). */
  readonly notes?: string;
  /** How the command is typed, for its usage line and hints; default `segwgpu <name>`. */
  readonly invocation?: string;
}

const invocationOf = (spec: CommandSpec) => spec.invocation ?? `segwgpu ${spec.name}`;

export interface ParsedCommand {
  readonly positionals: string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly help: boolean;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };

function optionLabel(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

export function commandHelp(spec: CommandSpec): string {
  const options = { ...spec.options, help: HELP };
  const labels = Object.entries(options).map(([name, o]) => [optionLabel(name, o), o.help + (o.multiple ? ' (repeatable)' : '')] as const);
  const width = Math.max(...labels.map(([l]) => l.length)) + 2;
  return [
    `usage: ${[invocationOf(spec), spec.positionals, Object.keys(spec.options).length ? '[options]' : ''].filter(Boolean).join(' ')}`,
    '',
    spec.summary,
    '',
    'options:',
    ...labels.map(([l, h]) => `  ${l.padEnd(width)}${h}`),
    ...(spec.notes ? ['', spec.notes] : []),
  ].join('\n');
}

/** argv after the command name; a usage error names the option and lists the command's options. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options = { ...spec.options, help: HELP };
  const known = Object.keys(options).map((n) => `--${n}`).join(', ');
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseNodeArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(options).map(([n, o]) => [n, { type: o.type, ...(o.multiple && { multiple: true }), ...(o.short && { short: o.short }) }])),
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (e) {
    const err = e as { code?: string; message: string };
    // util.parseArgs says what is wrong; keep its sentence, drop its advice about '--'.
    const what = err.message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n.*$/s, '');
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new SegwgpuError(`${spec.name}: ${what} (options: ${known}; see ${invocationOf(spec)} --help)`);
    throw new SegwgpuError(`${spec.name}: ${what}`);
  }
  const help = parsed.values['help'] === true;
  const [fewest, most] = typeof spec.positionalCount === 'number' ? [spec.positionalCount, spec.positionalCount] : spec.positionalCount;
  if (!help && (parsed.positionals.length < fewest || parsed.positionals.length > most)) {
    const got = parsed.positionals.length ? parsed.positionals.map((p) => `'${p}'`).join(' ') : 'none';
    throw new SegwgpuError(`${spec.name}: expected ${most === 0 ? 'no arguments' : spec.positionals}, got ${got} (see ${invocationOf(spec)} --help)`);
  }
  return { positionals: parsed.positionals, values: parsed.values, help };
}

export function stringValue(args: ParsedCommand, name: string): string | undefined {
  const v = args.values[name];
  return Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v : undefined;
}

export function stringValues(args: ParsedCommand, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function booleanValue(args: ParsedCommand, name: string): boolean {
  return args.values[name] === true;
}

/** `name=value` pairs from repeatable options such as --expected out=file.npy. */
export function namedValues(args: ParsedCommand, name: string, command: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of stringValues(args, name)) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new SegwgpuError(`${command}: --${name} takes name=value, got '${raw}'`);
    out.set(raw.slice(0, eq), raw.slice(eq + 1));
  }
  return out;
}

export function numberValue(args: ParsedCommand, name: string, fallback: number, command: string): number {
  const raw = stringValue(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new SegwgpuError(`${command}: --${name} must be a non-negative number, got '${raw}'`);
  return n;
}

export function choiceValue<T extends string>(args: ParsedCommand, name: string, choices: readonly T[], fallback: T, command: string): T {
  const raw = stringValue(args, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new SegwgpuError(`${command}: --${name} must be ${choices.join(' or ')}, got '${raw}'`);
  return raw as T;
}

/** --mean / --std: three numbers like 0.485,0.456,0.406; undefined when absent. */
export function tripleValue(args: ParsedCommand, name: string, command: string): [number, number, number] | undefined {
  const raw = stringValue(args, name);
  if (raw === undefined) return undefined;
  const v = raw.split(',').map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new SegwgpuError(`${command}: --${name} takes three numbers like 0.485,0.456,0.406, got '${raw}'`);
  return v as [number, number, number];
}

/** 1x3x256x256 -> [1, 3, 256, 256] */
export function parseShape(text: string, what: string): number[] {
  const dims = text.split(/[x,]/).map((d) => Number(d));
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new SegwgpuError(`${what}: '${text}' is not a shape like 1x3x256x256`);
  return dims;
}
