/**
 * The size budget, in one place: every value shape inference infers, every value computed on the
 * host while planning, and every decoded image is checked against these limits BEFORE anything of
 * that size is allocated, so a size bomb (a 30-gigaelement ConstantOfShape, Pads of 1e9, a 1 MB
 * PNG declaring 20000x20000 pixels) is a SegwgpuError naming the node or file, the value, its shape
 * and the limit, instead of a RangeError or an out-of-memory crash. The GPU's own limits
 * (maxBufferSize, maxStorageBufferBindingSize) are checked on top of these where a plan is made.
 */
import { SegwgpuError, describeNode, type NodeRef } from './errors.js';

/**
 * Elements of any one value of a graph: 2^30 (4 GiB as float32, above every WebGPU adapter's
 * maxBufferSize today), so only the absurd is refused here and the adapter's limits decide the rest.
 */
export const MAX_VALUE_ELEMENTS = 2 ** 30;

/**
 * Elements of a value computed on the CPU while planning (ConstantOfShape, Range, folded
 * constants): 2^26 (256 MiB as float32). Real graphs make shape vectors and masks here, not images.
 */
export const MAX_HOST_VALUE_ELEMENTS = 2 ** 26;

/** Pixels of a decoded image: 2^26 (64 Mpx, e.g. 8192x8192; 256 MiB as RGBA). */
export const MAX_IMAGE_PIXELS = 2 ** 26;

/** Thrown when something would exceed the budget: a SegwgpuError, so the CLI exits 2. */
export class SizeLimitError extends SegwgpuError {
  override name = 'SizeLimitError';
}

/** Elements of a shape, exact for any dims (a plain product can lose precision past 2^53: it is only compared here). */
function elementsOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Refuses a value of `shape` with more than `limit` elements. `node` and `value` say where: the
 * message reads "node 'pad' (Pad): output 'y' of shape [1x3x100000x100000] has 3e10 elements, more
 * than the limit of 1073741824 (MAX_VALUE_ELEMENTS)".
 */
export function checkValueSize(node: NodeRef | undefined, value: string, shape: readonly number[], limit = MAX_VALUE_ELEMENTS): void {
  const elements = elementsOf(shape);
  if (elements <= limit) return;
  const where = node ? `${describeNode(node)}: ` : '';
  const which = limit === MAX_HOST_VALUE_ELEMENTS ? 'MAX_HOST_VALUE_ELEMENTS, values computed while planning' : limit === MAX_VALUE_ELEMENTS ? 'MAX_VALUE_ELEMENTS' : 'the budget';
  throw new SizeLimitError(`${where}${value} of shape [${shape.join('x')}] has ${elements} elements, more than the limit of ${limit} (${which})`);
}

/** Refuses an image of width x height before it is decoded; `what` names the file. */
export function checkImageSize(what: string, width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new SizeLimitError(`${what} declares ${width}x${height} pixels: an image needs at least one`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new SizeLimitError(`${what} declares ${width}x${height} pixels (${width * height}), more than the limit of ${MAX_IMAGE_PIXELS} (MAX_IMAGE_PIXELS); scale it down first`);
  }
}
