/**
 * Out-of-range runtime indices are errors on the GPU as on the CPU. ONNX makes an index outside
 * its range an error (Gather's indices, MaxUnpool's I, RoiAlign's batch_indices). Constant
 * indices are checked when the model is planned (infer) and the CPU references check every run;
 * indices computed on the GPU are checked by the kernel that reads them, which cannot raise an
 * error, so it writes a fault record instead (shaders/index-fault.wgsl) and still clamps or skips
 * the index so that nothing is read or written out of bounds.
 *
 * The op's lowering binds the record as `{ fault: true }`, ends with indexFaultValueStep and says,
 * in `faultError`, which error a fault is: the one its CPU reference raises, made by the same
 * function. The executors (src/exec/gpu.ts for plans, src/exec/run-op.ts for single ops) give each
 * node its own record, zero it before every run, read it back with the outputs (readIndexFault)
 * and, when a node faulted, reject the run with its error (the first such node in execution order)
 * and return no outputs.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { SegwgpuError, describeNode, type NodeRef } from '../core/errors.js';
import { wgslKernel, type Kernel } from '../gpu/kernel.js';
import type { BufferRef, GpuLowering, GpuStep, IndexFault } from '../gpu/step.js';
import indexFaultWgsl from '../../shaders/index-fault.wgsl?raw';
import indexFaultValueWgsl from '../../shaders/index-fault-value.wgsl?raw';

/** A kernel that records index faults: its WGSL with the IndexFault struct and recordIndexFault in front. */
export function indexFaultKernel(name: string, wgsl: string): Kernel {
  return wgslKernel(name, `${indexFaultWgsl}\n${wgsl}`);
}

const valueKernel = indexFaultKernel('index-fault-value', indexFaultValueWgsl);

/** The step after the op's kernels that copies the first bad index of `indices` into the record. */
export function indexFaultValueStep(indices: BufferRef): GpuStep {
  return { kernel: valueKernel, params: {}, bindings: { indices, fault: { fault: true } }, invocations: 1 };
}

interface RecordLayout {
  readonly bytes: number;
  readonly count: number;
  readonly firstFlipped: number;
  readonly value: number;
}

let layout: RecordLayout | undefined;

/** The byte offsets of the IndexFault struct, from reflection (never hand-counted). */
function recordLayout(): RecordLayout {
  if (layout) return layout;
  const struct = new WgslReflect(valueKernel.source).structs.find((s) => s.name === 'IndexFault');
  if (!struct) throw new SegwgpuError('internal: shaders/index-fault.wgsl has no IndexFault struct');
  const offset = (member: string): number => {
    const m = struct.members.find((x) => x.name === member);
    if (!m) throw new SegwgpuError(`internal: shaders/index-fault.wgsl has no IndexFault.${member}`);
    return m.offset;
  };
  layout = { bytes: struct.size, count: offset('count'), firstFlipped: offset('firstFlipped'), value: offset('value') };
  return layout;
}

/** Bytes of one fault record: the size of its binding and of its readback. */
export function indexFaultBytes(): number {
  return recordLayout().bytes;
}

/** The fault record read back at `byteOffset`, or undefined when its kernel met no bad index. */
export function readIndexFault(bytes: ArrayBuffer, byteOffset: number): IndexFault | undefined {
  const l = recordLayout();
  const view = new DataView(bytes, byteOffset, l.bytes);
  const count = view.getUint32(l.count, true);
  if (count === 0) return undefined;
  return { count, position: ~view.getUint32(l.firstFlipped, true) >>> 0, value: view.getInt32(l.value, true) };
}

/** Whether a step binds the node's fault record. */
export function bindsFault(step: GpuStep): boolean {
  return Object.values(step.bindings).some((ref) => 'fault' in ref);
}

/**
 * The error a lowering's fault record stands for, or undefined when none of its steps binds one.
 * Both executors (plans and single ops) ask here, so a lowering that binds a record without
 * saying its error is refused the same way.
 */
export function faultErrorOf(node: NodeRef, lowering: GpuLowering): ((fault: IndexFault) => SegwgpuError) | undefined {
  if (!lowering.steps.some(bindsFault)) return undefined;
  if (!lowering.faultError) throw new SegwgpuError(`internal: ${describeNode(node)} binds a fault record but its lowering has no faultError`);
  return lowering.faultError;
}
