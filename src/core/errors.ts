/** Every error a user can cause is one of these, so callers can tell them from bugs. */
export class SegwgpuError extends Error {
  override name = 'SegwgpuError';
}

/** Where in a model an op sits, for error messages: "node 'conv1' (Conv)". */
export interface NodeRef {
  readonly name: string;
  readonly opType: string;
}

export function describeNode(node: NodeRef): string {
  return node.name ? `node '${node.name}' (${node.opType})` : `${node.opType}`;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

/** A bad attribute: names the node, the op, the attribute and the value. */
export class AttributeError extends SegwgpuError {
  override name = 'AttributeError';
  constructor(node: NodeRef, attribute: string, value: unknown, why: string) {
    super(`${describeNode(node)}: attribute ${attribute}=${show(value)} ${why}`);
  }
}

/** A bad input (shape, dtype, missing): names the node, the op and the input. */
export class InputError extends SegwgpuError {
  override name = 'InputError';
  constructor(node: NodeRef, input: string, why: string) {
    super(`${describeNode(node)}: input ${input} ${why}`);
  }
}

/**
 * An input whose values an op needs when the model is planned (a shape, sizes, axes) is computed
 * at run time. `info` is what the op was given (shape inference maps it back to the value and the
 * model inputs it comes from); `modelInputs` names those inputs once known: giving their values
 * when planning (PlanOptions.inputValues) makes a plan for them.
 */
export class ValueNeededError extends InputError {
  override name = 'ValueNeededError';
  constructor(
    readonly node: NodeRef,
    readonly input: string,
    readonly why: string,
    readonly info?: object,
    readonly modelInputs: readonly string[] = [],
    /** Why the value is needed, without the advice `why` may end with. */
    readonly reason: string = why,
  ) {
    super(node, input, why);
  }
}

/**
 * The GPU device went away (driver reset, GPU removed, device destroyed, out of memory at the
 * driver level): `reason` is GPUDeviceLostInfo's ('destroyed' or 'unknown'), `detail` its message.
 */
export class DeviceLostError extends SegwgpuError {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    readonly detail: string,
    advice: string,
  ) {
    super(`the GPU device was lost (reason '${reason}'${detail ? `: ${detail}` : ''}); ${advice}`);
  }
}

export class UnsupportedError extends SegwgpuError {
  override name = 'UnsupportedError';
}

/**
 * A node that runs on the host only (If, Loop, the detection ops without GPU kernels): one GPU
 * plan cannot hold it, the segmented executor (src/exec/segmented.ts) runs it between GPU segments.
 */
export class HostOnlyError extends UnsupportedError {
  override name = 'HostOnlyError';
}

export { show as showValue };
