/**
 * GPU errors attributed to the call that caused them.
 *
 * WebGPU reports validation, out-of-memory and internal errors asynchronously, to the innermost
 * error scope open on the device when the offending call was made. The scope stack belongs to the
 * device, not to a call: a scope pushed before an `await` and popped after it also catches (and
 * steals) the errors of every other run, plan or Segmenter that ran on the device meanwhile. So a
 * capture here is opened and closed synchronously around the calls it is about (no `await` in
 * between: nothing else runs there), and only the promise of its result is awaited later.
 */
import { SegwgpuError } from '../core/errors.js';

/** A GPU error WebGPU reported, with what segwgpu was doing: `kind` is the error scope's filter. */
export class GpuOperationError extends SegwgpuError {
  override name = 'GpuOperationError';
  constructor(
    readonly kind: GPUErrorFilter,
    readonly step: string,
    detail: string,
  ) {
    super(
      kind === 'out-of-memory'
        ? `the GPU ran out of memory while ${step}: ${detail}; use a smaller input, fewer cached plans, or free other GPU work`
        : `WebGPU ${kind} error while ${step}: ${detail}`,
    );
  }
}

const FILTERS: readonly GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/** Errors of the calls between `captureGpuErrors` and `end()`; `end` must be called synchronously. */
export interface GpuErrorCapture {
  /** Closes the scopes; the promise rejects with a GpuOperationError (out of memory first). */
  end(): Promise<void>;
}

export function captureGpuErrors(device: GPUDevice, step: string): GpuErrorCapture {
  for (const filter of FILTERS) device.pushErrorScope(filter);
  return {
    end() {
      // Scopes pop innermost first: internal, out-of-memory, validation.
      const popped = [...FILTERS].reverse().map((filter) => ({ filter, error: device.popErrorScope() }));
      return (async () => {
        const errors = await Promise.all(popped.map(async ({ filter, error }) => ({ filter, error: await error.catch(() => null) })));
        const order = ['out-of-memory', 'validation', 'internal'];
        const first = errors.filter((e) => e.error !== null).sort((a, b) => order.indexOf(a.filter) - order.indexOf(b.filter))[0];
        if (first) throw new GpuOperationError(first.filter, step, first.error!.message);
      })();
    },
  };
}

/** Runs `record` (synchronous GPU calls) inside a capture; the result's errors reject `errors`. */
export function withGpuErrors<T>(device: GPUDevice, step: string, record: () => T): { result: T; errors: Promise<void> } {
  const capture = captureGpuErrors(device, step);
  let result: T;
  try {
    result = record();
  } catch (e) {
    void capture.end().catch(() => undefined);
    throw e;
  }
  return { result, errors: capture.end() };
}
