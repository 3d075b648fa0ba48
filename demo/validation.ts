/** Messages between the page and the CPU-reference worker (cpu-worker.ts). */
import type { SegmentationModel } from '../src/api/segmentation-model.js';

export interface ValidateRequest {
  readonly id: number;
  /** The GPU Segmenter's model as it resolved it (graph with weights, mean/std, output kind, labels): structured-cloned. */
  readonly model: SegmentationModel;
  readonly width: number;
  readonly height: number;
  /** The RGBA pixels the GPU segmented. */
  readonly pixels: Uint8ClampedArray;
  /** The GPU's labels, its confidence masks (one per label, [K, H, W] flattened) and its category mask. */
  readonly labels: readonly string[];
  readonly gpuConfidence: Float32Array;
  readonly gpuCategory: Uint8Array;
}

export interface ValidateResponse {
  readonly id: number;
  readonly error?: string;
  readonly cpuMs: number;
  /** max |gpu - cpu| over every confidence value, and the tolerance it is held to. */
  readonly maxAbsError: number;
  readonly allowed: number;
  readonly withinTolerance: boolean;
  /** Where the largest error is: pixel, label index, both values. */
  readonly worst: { readonly x: number; readonly y: number; readonly k: number; readonly gpu: number; readonly cpu: number };
  /** Fraction of pixels whose class (argmax) is the same on GPU and CPU. */
  readonly categoryAgreement: number;
  readonly disagreeing: number;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (r: ValidateResponse) => void; reject: (e: Error) => void }>();

function theWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<ValidateResponse>) => {
    const waiting = pending.get(event.data.id);
    if (!waiting) return;
    pending.delete(event.data.id);
    if (event.data.error) waiting.reject(new Error(event.data.error));
    else waiting.resolve(event.data);
  };
  worker.onerror = (event) => {
    for (const w of pending.values()) w.reject(new Error(`CPU reference worker failed: ${event.message}`));
    pending.clear();
    worker?.terminate();
    worker = undefined;
  };
  return worker;
}

/** Runs the CPU reference in the worker and compares; a newer request does not cancel an older one. */
export function validateOnCpu(request: Omit<ValidateRequest, 'id'>): Promise<ValidateResponse> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    theWorker().postMessage({ ...request, id });
  });
}

/** Stops a running reference computation (e.g. a new image arrived): the worker is restarted on next use. */
export function cancelValidation(): void {
  if (!worker) return;
  worker.terminate();
  worker = undefined;
  for (const w of pending.values()) w.reject(new Error('cancelled'));
  pending.clear();
}
