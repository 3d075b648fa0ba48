/**
 * Runs one op on the GPU: validate, upload, one command encoder, read back the outputs (and the
 * op's index fault record, when it has one: a fault rejects the read with the CPU reference's
 * error, src/ops/index-fault.ts).
 */
import { SegwgpuError, describeNode } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { checkOpCall, type CheckedOpCall, type OpCall } from '../ops/call.js';
import { faultErrorOf, indexFaultBytes, readIndexFault } from '../ops/index-fault.js';
import { runsAhead, type BufferRef, type GpuLowering, type GpuStep } from '../gpu/step.js';
import { checkBindingSize, createStorageBuffer, fromGpuWords, readBuffers, uploadTensor } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/context.js';
import { prepareStep, recordStep, type PreparedStep } from '../gpu/encode.js';
import { captureGpuErrors, withGpuErrors } from '../gpu/error-scopes.js';

/** An op call with its buffers, pipelines and bind groups made: run it as often as you like. */
export interface PreparedOpCall {
  readonly checked: CheckedOpCall;
  readonly lowering: GpuLowering;
  readonly steps: readonly PreparedStep[];
  readonly outputs: readonly GPUBuffer[];
  /**
   * The uploaded inputs, by input index: a caller may write other values of the same shape
   * between runs. Shape inference never saw those, so indices among them are checked only by the
   * kernels' fault record, which read() turns into the CPU reference's error.
   */
  readonly inputBuffers: ReadonlyMap<number, GPUBuffer>;
  run(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void;
  read(): Promise<Tensor[]>;
  destroy(): void;
}

export interface PrepareOptions {
  /**
   * Inputs to treat as a model's initializers: steps that read only these and write no output
   * (weight repacking and transforms) run once here, as a plan hoists them, and run() skips them
   * (the kernel benchmark times what a model pays per run).
   */
  readonly constantInputs?: readonly number[];
}

export function prepareOpCallGpu(ctx: GpuContext, call: OpCall, options: PrepareOptions = {}): PreparedOpCall {
  const checked = checkOpCall(call);
  const { node, def, resolved, inputInfos, outputInfos } = checked;
  const lowering = def.gpu(resolved, inputInfos, outputInfos, ctx.traits, node);
  // Size checks first: nothing is allocated for a call that cannot run.
  call.inputs.forEach((t, i) => t && checkBindingSize(ctx, `${describeNode(node)} input ${i}`, t.shape));
  outputInfos.forEach((o, i) => checkBindingSize(ctx, `${describeNode(node)} output ${i}`, o.shape));
  for (const [i, bytes] of (lowering.temps ?? []).entries()) {
    if (bytes > ctx.maxStorageBufferBindingSize) throw new SegwgpuError(`${describeNode(node)}: scratch buffer ${i} needs ${bytes} bytes, more than maxStorageBufferBindingSize (${ctx.maxStorageBufferBindingSize})`);
  }

  const created: GPUBuffer[] = [];
  const inputBuffers = new Map<number, GPUBuffer>();
  const outputs = outputInfos.map((o, i) => {
    const b = createStorageBuffer(ctx.device, sizeOf(o.shape), `${node.name} output ${i}`);
    created.push(b);
    return b;
  });
  const temps = (lowering.temps ?? []).map((bytes, i) => {
    const b = createStorageBuffer(ctx.device, Math.ceil(bytes / 4), `${node.name} temp ${i}`);
    created.push(b);
    return b;
  });
  const faultError = faultErrorOf(node, lowering);
  // Zeroed when made, and again before every run.
  const faultRecord = faultError ? createStorageBuffer(ctx.device, indexFaultBytes() / 4, `${node.name} index fault`) : undefined;
  if (faultRecord) created.push(faultRecord);
  const resolve = (ref: BufferRef): GPUBufferBinding => ({ buffer: resolveBuffer(ref) });
  const resolveBuffer = (ref: BufferRef): GPUBuffer => {
    if ('output' in ref) return outputs[ref.output];
    if ('temp' in ref) return temps[ref.temp];
    if ('fault' in ref) return faultRecord!;
    let b = inputBuffers.get(ref.input);
    if (!b) {
      const t = call.inputs[ref.input];
      if (!t) throw new SegwgpuError(`${describeNode(node)}: kernel binds input ${ref.input}, which was not given`);
      b = uploadTensor(ctx.device, t, `${node.name} input ${ref.input}`);
      created.push(b);
      inputBuffers.set(ref.input, b);
    }
    return b;
  };
  const constant = new Set(options.constantInputs ?? []);
  const isConstantStep = (st: GpuStep): boolean => runsAhead(st, (input) => constant.has(input));
  const once = lowering.steps.filter(isConstantStep).map((s) => prepareStep(ctx, s, resolve));
  const steps = lowering.steps.filter((st) => !isConstantStep(st)).map((s) => prepareStep(ctx, s, resolve));
  for (const s of [...once, ...steps]) if (s.uniformBuffer) created.push(s.uniformBuffer);
  if (once.length > 0) {
    const encoder = ctx.device.createCommandEncoder({ label: `${node.name} constants` });
    const pass = encoder.beginComputePass();
    for (const s of once) recordStep(pass, s);
    pass.end();
    ctx.device.queue.submit([encoder.finish()]);
  }

  return {
    checked,
    lowering,
    steps,
    outputs,
    inputBuffers,
    run(encoder, timestampWrites) {
      if (faultRecord) encoder.clearBuffer(faultRecord);
      const pass = encoder.beginComputePass({ label: node.name, timestampWrites });
      for (const s of steps) recordStep(pass, s);
      pass.end();
    },
    async read() {
      const sources = outputs.map((buffer, i) => ({ buffer, bytes: sizeOf(outputInfos[i].shape) * 4 }));
      if (faultRecord) sources.push({ buffer: faultRecord, bytes: indexFaultBytes() });
      const bytes = await readBuffers(ctx.device, sources);
      const fault = faultRecord && readIndexFault(bytes[outputs.length], 0);
      if (fault) throw faultError!(fault);
      return outputInfos.map((o, i) => fromGpuWords(o.dtype, o.shape, bytes[i]));
    },
    destroy() {
      for (const b of created) b.destroy();
    },
  };
}

export async function runOpGpu(ctx: GpuContext, call: OpCall): Promise<Tensor[]> {
  // Validation of the call (shapes, attributes) throws before the capture's GPU work starts.
  const { result: prepared, errors } = withGpuErrors(ctx.device, `running ${call.opType}`, () => {
    const p = prepareOpCallGpu(ctx, call);
    const encoder = ctx.device.createCommandEncoder({ label: p.checked.node.name });
    p.run(encoder);
    ctx.device.queue.submit([encoder.finish()]);
    return p;
  });
  try {
    // read() records and submits its copies before its first await: still this call's errors.
    const capture = captureGpuErrors(ctx.device, `reading back ${describeNode(prepared.checked.node)}`);
    const reading = prepared.read();
    const readErrors = capture.end();
    let outputs: Tensor[];
    try {
      outputs = await reading;
    } catch (e) {
      await errors;
      await readErrors;
      throw e;
    }
    await errors;
    await readErrors;
    return outputs;
  } finally {
    prepared.destroy();
  }
}
