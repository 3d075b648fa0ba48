/**
 * The segwgpu command line.
 *   segwgpu run <model.onnx|.tflite> --input <name>=<file.npy> ... --output-dir <dir> [--backend webgpu|cpu]
 *   segwgpu validate <model.onnx|.tflite> --input <name>=<file.npy> ... [--expected <name>=<file.npy> ...] [--atol A] [--rtol R] [--per-node]
 *   segwgpu info <model.onnx|.tflite> [--input-shape <name>=1x3xHxW ...]
 *   segwgpu segment <image> [--model selfie|selfie-landscape|...|<file>] [--effect mask|blur|replace=<image>] --out <file.png>
 *   segwgpu adapter
 * Exit codes: 0 success, 1 validation outside tolerance, 2 bad input or failure.
 */
import { SegwgpuError } from '../errors.js';
import { runAdapter, runInfo, runModel, runSegment, runValidate } from './commands.js';

const USAGE = `usage:
  segwgpu run <model.onnx|.tflite> --input <name>=<file.npy> [...] --output-dir <dir> [--backend webgpu|cpu]
  segwgpu validate <model.onnx|.tflite> --input <name>=<file.npy> [...] [--expected <name>=<file.npy> ...] [--atol A] [--rtol R] [--per-node]
  segwgpu info <model.onnx|.tflite> [--input-shape <name>=1x3xHxW ...]
  segwgpu segment <image.png|jpg> [--model selfie|selfie-landscape|unet|fcn8s|segnet|<file.onnx|.tflite>] [--effect mask|blur|replace=<image>] [--mean r,g,b] [--std r,g,b] [--output-kind logits|probability] [--backend webgpu|cpu] --out <file.png>
  segwgpu adapter`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runModel(rest);
    case 'validate':
      return runValidate(rest);
    case 'info':
      return runInfo(rest);
    case 'segment':
      return runSegment(rest);
    case 'adapter':
      return runAdapter();
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`segwgpu: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error;
    console.error(err instanceof SegwgpuError ? `segwgpu: ${err.message}` : `segwgpu: ${err.stack ?? err.message}`);
    process.exit(2);
  },
);
