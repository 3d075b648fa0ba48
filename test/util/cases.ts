/**
 * Data-driven op tests. Each test/cases/<family>.cases.ts exports `cases` (run on the GPU and
 * compared with the CPU reference, plus hand-worked expectations where given) and `invalidCases`
 * (must fail validation with a message naming op, attribute and value, before any GPU work).
 * The same case lists run under vitest in Node and inside headless Chromium.
 */
import type { Tensor } from '../../src/core/tensor.js';
import type { OpCall } from '../../src/ops/call.js';
import { runOpCpu } from '../../src/ops/call.js';
import { runOpGpu } from '../../src/exec/run-op.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { compareTensors, type Tolerance } from './compare.js';

export interface OpCase {
  readonly name: string;
  readonly call: OpCall;
  /** GPU against the CPU reference; integer outputs are always compared exactly. */
  readonly tolerance: Tolerance;
  /**
   * Outputs from an independent source (hand-worked, or PyTorch golden fixtures), checked against
   * both the CPU reference and the GPU result.
   */
  readonly expected?: readonly Tensor[];
  /** Tolerance against `expected`; defaults to 1e-5 absolute and relative. */
  readonly expectedTolerance?: Tolerance;
}

export interface InvalidCase {
  readonly name: string;
  readonly call: OpCall;
  /** Every pattern must match the error message (op, attribute, value...). */
  readonly messageMatches: readonly RegExp[];
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
}

export async function checkCase(ctx: GpuContext, c: OpCase): Promise<CaseResult> {
  const problems: string[] = [];
  const reference = runOpCpu(c.call);
  const expectedTolerance = c.expectedTolerance ?? { atol: 1e-5, rtol: 1e-5 };
  const gpu = await runOpGpu(ctx, c.call);
  c.expected?.forEach((e, i) => {
    const r = compareTensors(reference[i], e, expectedTolerance);
    if (!r.ok) problems.push(`CPU reference output ${i} vs expected: ${r.message}`);
    const g = compareTensors(gpu[i], e, expectedTolerance);
    if (!g.ok) problems.push(`GPU output ${i} vs expected: ${g.message}`);
  });
  if (gpu.length !== reference.length) problems.push(`GPU gave ${gpu.length} outputs, CPU ${reference.length}`);
  const notes: string[] = [];
  reference.forEach((r, i) => {
    const cmp = compareTensors(gpu[i], r, c.tolerance);
    if (!cmp.ok) problems.push(`GPU output ${i} vs CPU reference: ${cmp.message}`);
    else notes.push(cmp.message);
  });
  return { name: c.name, ok: problems.length === 0, message: problems.length ? problems.join('\n') : notes.join('; ') };
}

export function checkInvalidCase(c: InvalidCase): CaseResult {
  try {
    runOpCpu(c.call);
  } catch (e) {
    const message = (e as Error).message;
    const missing = c.messageMatches.filter((re) => !re.test(message));
    return missing.length === 0
      ? { name: c.name, ok: true, message }
      : { name: c.name, ok: false, message: `error "${message}" does not match ${missing.join(', ')}` };
  }
  return { name: c.name, ok: false, message: 'no error was raised' };
}
