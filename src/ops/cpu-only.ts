/**
 * The GPU side of ops that have only a CPU reference so far (TopK, NonZero, NonMaxSuppression,
 * ScatterElements, ReduceProd: the detection ops of Mask R-CNN's export, issue 15). Where their
 * inputs are known when the model is planned, shape inference computes them on the CPU and the
 * plan folds them (as it does for Shape or Range); otherwise one plan cannot hold the model, and
 * the segmented executor (src/exec/segmented.ts) runs the node on the host between GPU segments.
 */
import { HostOnlyError, describeNode } from '../core/errors.js';
import type { GpuLowering } from '../gpu/step.js';
import type { OpNode } from './types.js';

export function cpuOnly(op: string): (attrs: unknown, inputs: unknown, outputs: unknown, traits: unknown, node: OpNode) => GpuLowering {
  return (_attrs, _inputs, _outputs, _traits, node) => {
    throw new HostOnlyError(
      `${describeNode(node)}: ${op} has no GPU kernel; its inputs are computed at run time, so it cannot be folded into one plan either. ` +
        'Run the model segmented, this node on the host between GPU segments (SegmentedRunner; segwgpu run does), or on the CPU reference (segwgpu run --backend cpu)',
    );
  };
}
