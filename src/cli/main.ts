/**
 * The segwgpu command line: `segwgpu <command> [options]`, `segwgpu <command> --help`,
 * `segwgpu --help`, `segwgpu --version`.
 * Exit codes: 0 success, 1 validation outside tolerance, 2 bad input or failure.
 */
import { readFileSync } from 'node:fs';
import { SegwgpuError } from '../core/errors.js';
import { setDefaultGpuContextProvider } from '../gpu/context.js';
import { nodeGpuContext } from '../node/gpu.js';
import { commandHelp, parseCommand, type CommandSpec, type ParsedCommand } from './args.js';
import { ADAPTER, INFO, RUN, SEGMENT, VALIDATE, runAdapter, runInfo, runModel, runSegment, runValidate } from './commands.js';
import { EVAL, runEval } from './eval-command.js';
import { EXPORT, runExport } from './export-command.js';
import { DENSE, runDense } from './dense-command.js';

const COMMANDS: readonly { spec: CommandSpec; run: (args: ParsedCommand) => Promise<number> }[] = [
  { spec: SEGMENT, run: runSegment },
  { spec: RUN, run: runModel },
  { spec: VALIDATE, run: runValidate },
  { spec: INFO, run: runInfo },
  { spec: EXPORT, run: runExport },
  { spec: DENSE, run: runDense },
  { spec: EVAL, run: runEval },
  { spec: ADAPTER, run: runAdapter },
];

/** The package's version: package.json is two folders up from src/cli/ and from dist/cli/ alike. */
function version(): string {
  // Through a variable: the library build (vite) would turn `new URL('<literal>', import.meta.url)`
  // into an inlined asset.
  const here = import.meta.url;
  return (JSON.parse(readFileSync(new URL('../../package.json', here), 'utf8')) as { version: string }).version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return [
    'usage: segwgpu <command> [options]       segwgpu <command> --help for its options',
    '',
    'Image segmentation on WebGPU, checked against a CPU reference.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.brief}`),
    '',
    'options:',
    '  -h, --help     print this help and exit',
    '  -V, --version  print the version and exit',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(overview());
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(overview());
    return 0;
  }
  if (command === '--version' || command === '-V') {
    console.log(version());
    return 0;
  }
  const entry = COMMANDS.find((c) => c.spec.name === command);
  if (!entry) throw new SegwgpuError(`unknown command '${command}' (commands: ${COMMANDS.map((c) => c.spec.name).join(', ')}; see segwgpu --help)`);
  const args = parseCommand(entry.spec, rest);
  if (args.help) {
    console.log(commandHelp(entry.spec));
    return 0;
  }
  return entry.run(args);
}

// A Segmenter made without a device gets dawn.node's, as with 'segwgpu/node'.
setDefaultGpuContextProvider(nodeGpuContext);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error;
    // One prefix: messages are written without one.
    const message = err instanceof SegwgpuError ? err.message.replace(/^segwgpu:\s*/, '') : (err.stack ?? err.message);
    console.error(`segwgpu: ${message}`);
    process.exit(2);
  },
);
