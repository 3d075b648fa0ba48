/**
 * The GPU lowering shared by every op that only moves elements to new places (Identity, Reshape,
 * Transpose, Expand, Slice...): one dispatch of shaders/strided-copy.wgsl,
 *   y[i] = x[base + sum over d of coord_d(i) * inStrides[d]].
 */
import { sizeOf, type Shape } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import type { GpuLowering } from '../gpu/step.js';
import stridedCopyWgsl from '../../shaders/strided-copy.wgsl?raw';

/** The strided-copy kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_COPY_RANK = 8;

export function stridedCopyStep(outShape: Shape, inStrides: readonly number[], label: string, base = 0): GpuLowering {
  const total = sizeOf(outShape);
  if (total === 0) return { steps: [] };
  return {
    steps: [
      {
        kernel: wgslKernel('strided-copy', stridedCopyWgsl),
        params: { total, rank: outShape.length, base, outShape: [...outShape], inStrides: [...inStrides] },
        bindings: { x: { input: 0 }, y: { output: 0 } },
        invocations: total,
        label,
      },
    ],
  };
}
