/**
 * The GPU side of ops that have only a CPU reference so far (TopK, NonZero, NonMaxSuppression,
 * ScatterElements, ReduceProd: the detection ops of Mask R-CNN's export, issue 15). Where their
 * inputs are known when the model is planned, shape inference computes them on the CPU and the
 * plan folds them (as it does for Shape or Range); otherwise planning for the GPU stops here,
 * naming the node and the way that does run it.
 */
import { UnsupportedError, describeNode } from '../core/errors.js';
import type { GpuLowering } from '../gpu/step.js';
import type { OpNode } from './types.js';

export function cpuOnly(op: string): (attrs: unknown, inputs: unknown, outputs: unknown, traits: unknown, node: OpNode) => GpuLowering {
  return (_attrs, _inputs, _outputs, _traits, node) => {
    throw new UnsupportedError(
      `${describeNode(node)}: ${op} has no GPU kernel yet; its inputs are computed at run time, so it cannot be folded into the plan either. ` +
        `Run the model on the CPU reference (runGraphCpu, segwgpu run --backend cpu)`,
    );
  };
}
