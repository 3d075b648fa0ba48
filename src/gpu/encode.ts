/** Recording one GpuStep into a compute pass: bind group from reflection, uniforms, folded dispatch. */
import { SegwgpuError } from '../core/errors.js';
import type { BufferRef, GpuStep } from './step.js';
import type { GpuContext } from './context.js';
import { foldWorkgroups } from './dispatch.js';
import { packUniforms, type CompiledKernel } from './kernel.js';
import { createGpuBuffer } from './buffers.js';

/** A step with its pipeline, bind group and uniform buffer made: ready to record, again and again. */
export interface PreparedStep {
  readonly label: string;
  readonly compiled: CompiledKernel;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly uniformBuffer?: GPUBuffer;
}

export function prepareStep(ctx: GpuContext, step: GpuStep, resolve: (ref: BufferRef) => GPUBufferBinding): PreparedStep {
  const compiled = ctx.kernels.get(step.kernel);
  const { layout } = compiled;
  const entries: GPUBindGroupEntry[] = [];
  let uniformBuffer: GPUBuffer | undefined;
  if (layout.uniformBinding !== undefined) {
    const bytes = packUniforms(step.kernel, layout, step.params);
    uniformBuffer = createGpuBuffer(ctx.device, { label: `${step.kernel.name} params`, size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    ctx.device.queue.writeBuffer(uniformBuffer, 0, bytes);
    entries.push({ binding: layout.uniformBinding, resource: { buffer: uniformBuffer } });
  }
  const wanted = new Set(layout.storage.map((s) => s.name));
  for (const name of Object.keys(step.bindings)) {
    if (!wanted.has(name)) throw new SegwgpuError(`kernel ${step.kernel.name}: binding '${name}' is not a storage variable of the WGSL (has: ${[...wanted].join(', ')})`);
  }
  for (const s of layout.storage) {
    const ref = step.bindings[s.name];
    if (!ref) throw new SegwgpuError(`kernel ${step.kernel.name}: storage variable '${s.name}' has no buffer bound`);
    // Every binding is read_write (shaders/common.wgsl), so roles are checked here instead.
    if ('output' in ref && !s.written) throw new SegwgpuError(`kernel ${step.kernel.name}: output ${ref.output} is bound to '${s.name}', which the kernel never writes`);
    if ('input' in ref && s.written) throw new SegwgpuError(`kernel ${step.kernel.name}: input ${ref.input} is bound to '${s.name}', which the kernel writes`);
    if ('fault' in ref && !s.written) throw new SegwgpuError(`kernel ${step.kernel.name}: the fault record is bound to '${s.name}', which the kernel never writes`);
    entries.push({ binding: s.binding, resource: resolve(ref) });
  }
  const bindGroup = ctx.device.createBindGroup({ label: step.kernel.name, layout: compiled.bindGroupLayout, entries });
  const workgroups = foldWorkgroups(step.invocations, layout.workgroupSize[0] * layout.workgroupSize[1] * layout.workgroupSize[2], ctx.maxWorkgroupsPerDimension);
  return { label: step.label ?? step.kernel.name, compiled, bindGroup, workgroups, uniformBuffer };
}

export function recordStep(pass: GPUComputePassEncoder, step: PreparedStep): void {
  pass.setPipeline(step.compiled.pipeline);
  pass.setBindGroup(0, step.bindGroup);
  pass.dispatchWorkgroups(step.workgroups[0], step.workgroups[1], step.workgroups[2]);
}
