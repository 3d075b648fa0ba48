/**
 * Concat (ONNX Concat-13, the version current at opset 17): joins one or more tensors along
 * `axis` (required, negative counts from the end). Every input has the same dtype and rank, and
 * the same extent in every dimension but `axis`; inputs with a zero extent along `axis` are legal
 * and contribute nothing.
 *
 * dtypes: float32, int32 and int64 (int64 so an importer's constant folder can join shape vectors
 * on the CPU). On the GPU every element is a 32-bit word (int64 goes through i32, see tensor.ts).
 *
 * GPU: one dispatch per non-empty input, each copying that input into its slab of the output
 * (shaders/concat.wgsl: rows of `inputRow` words placed `offset` words into rows of `outputRow`).
 * The same strided-copy parameters let a later pass have producers write into the slab directly.
 * An output with no elements lowers to no steps at all.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { formatShape, sizeOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import { allocate, type Elements } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { GpuStep } from '../gpu/step.js';
import concatWgsl from '../../shaders/concat.wgsl?raw';

const SUPPORTED_DTYPES: readonly DType[] = ['float32', 'int32', 'int64'];

interface ConcatAttributes {
  /** As written in the model; normalised against the rank in infer(). */
  readonly axis: number;
}

/** Checks the inputs against each other and returns the normalised axis and output shape. */
function concatGeometry(node: OpNode, axisAttr: number, inputs: readonly (ValueInfo | Tensor | undefined)[]): { axis: number; shape: number[]; dtype: DType } {
  if (inputs.length === 0) throw new InputError(node, '0', 'is missing: Concat needs at least one input');
  const present = inputs.map((v, i) => {
    if (!v) throw new InputError(node, String(i), 'is missing (Concat inputs are not optional)');
    return v;
  });
  const first = present[0];
  if (!SUPPORTED_DTYPES.includes(first.dtype)) {
    throw new InputError(node, '0', `has dtype ${first.dtype}; supported: ${SUPPORTED_DTYPES.join(', ')}`);
  }
  const rank = first.shape.length;
  if (rank === 0) throw new AttributeError(node, 'axis', axisAttr, 'cannot apply to rank-0 (scalar) inputs: Concat needs inputs of rank 1 or more');
  const axis = normalizeAxis(node, 'axis', axisAttr, rank);
  const shape = [...first.shape];
  shape[axis] = 0;
  present.forEach((v, i) => {
    if (v.dtype !== first.dtype) throw new InputError(node, String(i), `has dtype ${v.dtype}, but input 0 has dtype ${first.dtype}`);
    if (v.shape.length !== rank) {
      throw new InputError(node, String(i), `has shape ${formatShape(v.shape)} (rank ${v.shape.length}), but input 0 has shape ${formatShape(first.shape)} (rank ${rank})`);
    }
    for (let d = 0; d < rank; d++) {
      if (d !== axis && v.shape[d] !== first.shape[d]) {
        throw new InputError(node, String(i), `has shape ${formatShape(v.shape)}, which differs from input 0's ${formatShape(first.shape)} in dimension ${d}; only axis ${axis} may differ`);
      }
    }
    shape[axis] += v.shape[axis];
  });
  return { axis, shape, dtype: first.dtype };
}

/** Elements per row to the right of `axis` (the product of the later dimensions). */
function innerSize(shape: Shape, axis: number): number {
  return sizeOf(shape.slice(axis + 1));
}


/** What Concat's infer resolves: the axis normalised against the rank, the output's shape and dtype. */
type ConcatGeometry = ReturnType<typeof concatGeometry>;

const concat: OpDefinition<ConcatAttributes, ConcatGeometry> = {
  type: 'Concat',
  parse(node) {
    checkKnownAttributes(node, ['axis']);
    return { axis: intAttr(node, 'axis') };
  },
  infer(attrs, inputs, node) {
    const geometry = concatGeometry(node, attrs.axis, inputs);
    return { outputs: [{ dtype: geometry.dtype, shape: geometry.shape }], resolved: geometry };
  },
  cpu({ axis, shape, dtype }, inputs) {
    const tensors = inputs as readonly Tensor[];
    const outer = sizeOf(shape.slice(0, axis));
    const inner = innerSize(shape, axis);
    const out = allocate(dtype, sizeOf(shape));
    const dst = out as Elements;
    let written = 0;
    // Output row by output row: input 0's block of that row, then input 1's, and so on.
    for (let o = 0; o < outer; o++) {
      for (const t of tensors) {
        const src = t.data as Elements;
        const rowLength = t.shape[axis] * inner;
        for (let k = 0; k < rowLength; k++) dst[written++] = src[o * rowLength + k];
      }
    }
    return [{ dtype, shape, data: out } as Tensor];
  },
  inPlaceOffsets({ axis }, inputs, outputs) {
    const outShape = outputs[0].shape;
    // Each input is one contiguous block of the output only when every dimension before the
    // axis is 1 (NCHW channel concat at batch 1, the U-Net skip).
    if (outShape.slice(0, axis).some((d) => d !== 1)) return undefined;
    const inner = innerSize(outShape, axis);
    let at = 0;
    return (inputs as readonly ValueInfo[]).map((info) => {
      const offset = at;
      at += info.shape[axis] * inner;
      return offset;
    });
  },
  gpu({ axis }, inputs, outputs) {
    const infos = inputs as readonly ValueInfo[];
    const outShape = outputs[0].shape;
    const inner = innerSize(outShape, axis);
    const steps: GpuStep[] = [];
    let axisOffset = 0;
    infos.forEach((info, i) => {
      const total = sizeOf(info.shape);
      if (total > 0) {
        steps.push({
          kernel: wgslKernel('concat', concatWgsl),
          params: { total, inputRow: info.shape[axis] * inner, outputRow: outShape[axis] * inner, offset: axisOffset * inner },
          bindings: { x: { input: i }, y: { output: 0 } },
          invocations: total,
          label: `concat input ${i}`,
        });
      }
      axisOffset += info.shape[axis];
    });
    return { steps };
  },
};

export const ops: AnyOpDefinition[] = [concat];
