/**
 * The segwgpu command line as a user meets it: --version, --help on every command (listing every
 * option the command accepts), usage errors with exactly one 'segwgpu:' prefix and exit 2,
 * built-in model names wherever a model is named, and the progress line shown on a terminal only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand, segwgpu } from './util/run.js';
import { ADAPTER, INFO, RUN, SEGMENT, VALIDATE } from '../src/cli/commands.js';
import { EVAL } from '../src/cli/eval-command.js';
import { EXPORT } from '../src/cli/export-command.js';
import { DENSE } from '../src/cli/dense-command.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { zeros } from '../src/core/tensor.js';

const work = mkdtempSync(join(tmpdir(), 'segwgpu-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


const SPECS = [RUN, VALIDATE, INFO, SEGMENT, ADAPTER, EXPORT, DENSE, EVAL];

describe('segwgpu --version and --help', () => {
  it('--version and -V print the version of package.json', async () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = await segwgpu([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('--help lists every command; no command at all prints it too, and exits 2', async () => {
    const r = await segwgpu(['--help']);
    expect(r.code).toBe(0);
    for (const spec of SPECS) expect(r.stdout).toMatch(new RegExp(`^  ${spec.name} `, 'm'));
    const none = await segwgpu([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: segwgpu <command>/);
  });

  it.each(SPECS.map((s) => [s.name, s] as const))('%s --help and -h list every option the command takes', async (name, spec) => {
    for (const flag of ['--help', '-h']) {
      const r = await segwgpu([name, flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: segwgpu ${name}`));
      for (const option of Object.keys(spec.options)) expect(r.stdout, `--${option}`).toContain(`--${option}`);
    }
  });
});

describe('segwgpu usage errors', () => {
  it('an unknown option exits 2, names it and lists the options, with one segwgpu: prefix', async () => {
    const r = await segwgpu(['run', 'unet', '--outptu-dir', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^segwgpu: run: Unknown option '--outptu-dir' \(options: --input, --output-dir, --backend, --winograd, --tile, --tile-border, --tile-approximate, --memory-budget, --help; see segwgpu run --help\)\n$/);
    expect(r.stderr.match(/segwgpu:/g)!.length).toBe(1);
  });

  it('a missing value, a bad choice and a bad number each name the option', async () => {
    const missing = await segwgpu(['validate', 'unet', '--atol']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/^segwgpu: validate: Option '--atol <value>' argument missing/)]);
    const choice = await segwgpu(['run', 'unet', '--output-dir', work, '--backend', 'gpu']);
    expect(choice.stderr).toMatch(/^segwgpu: run: --backend must be webgpu or wasm or cpu, got 'gpu'/);
    const winograd = await segwgpu(['info', 'unet', '--winograd', '3']);
    expect([winograd.code, winograd.stderr]).toEqual([2, "segwgpu: info: --winograd must be auto or off or 2 or 4, got '3'\n"]);
    const number = await segwgpu(['validate', 'unet', '--input', 'x.npy', '--rtol', 'tiny']);
    expect(number.stderr).toMatch(/^segwgpu: validate: --rtol must be a non-negative number, got 'tiny'/);
    const unknown = await segwgpu(['segmnet', 'x.png']);
    expect([unknown.code, unknown.stderr]).toEqual([2, "segwgpu: unknown command 'segmnet' (commands: segment, run, validate, info, export, dense, eval, adapter; see segwgpu --help)\n"]);
  });

  it('wrong positional arguments say what the command expects', async () => {
    const r = await segwgpu(['info']);
    expect(r.stderr).toBe("segwgpu: info: expected <model>, got none (see segwgpu info --help)\n");
    const two = await segwgpu(['segment', 'a.png', 'b.png', '--out', 'x.png']);
    expect(two.stderr).toMatch(/segment: expected <image.png\|jpg>, got 'a.png' 'b.png'/);
  });
});

describe('built-in model names', () => {
  it('info takes a built-in name', async () => {
    const r = await segwgpu(['info', 'selfie']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^input +input_1: float32 \[1x3x256x256\]$/m);
    expect(r.stdout).toMatch(/^output \S+: float32 \[1x1x256x256\]$/m);
  });

  it('a name that is neither a file nor a built-in lists the built-in models', async () => {
    const r = await segwgpu(['info', 'selfy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("segwgpu: 'selfy' is neither a model file nor a built-in model (built-in: selfie, selfie-landscape, unet, fcn8s, segnet)\n");
    const proto = await segwgpu(['info', 'constructor']);
    expect(proto.stderr).toMatch(/'constructor' is neither a model file nor a built-in model/);
  });

  it('run takes a built-in name and writes its outputs', async () => {
    const input = join(work, 'segnet-input.npy');
    writeFileSync(input, writeNpy(zeros([1, 3, 128, 128])));
    const out = join(work, 'segnet-out');
    const r = await segwgpu(['run', 'segnet', '--input', input, '--output-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    const written = readNpy(new Uint8Array(readFileSync(join(out, `${r.stdout.match(/wrote .*\/([^/]+)\.npy/)![1]}.npy`))));
    expect(written.shape).toEqual([1, 21, 128, 128]);
  });
});

describe('segwgpu adapter', () => {
  it('prints the adapter, and with no driver at all exits 2 naming what to install', async () => {
    const found = await segwgpu(['adapter']);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/^adapter: .+\ncpu-like: (true|false), maxStorageBufferBindingSize \d+/);
    const none = await segwgpu(['adapter'], { env: { ...process.env, VK_ICD_FILENAMES: join(work, 'no-such-icd.json') } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/segwgpu: no WebGPU adapter found\. dawn\.node needs the system Vulkan loader libvulkan\.so\.1 \(apt-get install -y libvulkan1\).*chromium/);
  });
});

describe('the progress line', () => {
  // `script` runs the command on a pseudo-terminal, as a user's shell would.
  const onTerminal = async (args: string[]) => (await runCommand('script', ['-qfec', ['node', 'bin/segwgpu.js', ...args].join(' '), '/dev/null'])).stdout;

  it('shows the phases on a terminal, rewritten in place, and nothing when output is piped', async () => {
    const out = join(work, 'progress.png');
    const args = ['segment', 'assets/chelsea.png', '--model', 'selfie-landscape', '--out', out];
    const tty = await onTerminal(args);
    expect(tty).toMatch(/\r\x1b\[2Ksegwgpu: importing the model \(TFLite, 244 KB\)…/);
    expect(tty).toMatch(/\r\x1b\[2Ksegwgpu: compiling GPU kernels for 451x300: \d+ of \d+…/);
    expect(tty).toMatch(/\r\x1b\[2Ksegwgpu: first run at 451x300…/);
    expect(tty).toMatch(/foreground \(person\): [\d.]+% of pixels/);
    const piped = await segwgpu(args);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/\r|\x1b|compiling/);
  });
});
