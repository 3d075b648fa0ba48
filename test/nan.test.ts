/**
 * NaN and +-Inf: every op's kernel against its CPU reference on inputs holding them, under both
 * adapter kinds' lowerings (the kernels differ), plus PyTorch's results for a few (the rule they
 * follow is stated at the top of shaders/common.wgsl). Non-finite outputs must match exactly
 * (NaN against NaN, +Inf against +Inf); finite ones within the op's usual tolerance.
 */
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../src/core/tensor.js';
import type { GpuContext } from '../src/gpu/context.js';
import { runOpGpu } from '../src/exec/run-op.js';
import { runOpCpu, type OpCall } from '../src/ops/call.js';
import type { Tolerance } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { rng } from './util/random.js';

const nan = NaN;
const inf = Infinity;

/** [NaN, Inf, -Inf, 1, -2, 0.5, NaN, 3], the probe vector of issue 13, as [8] and [1, 2, 2, 2]. */
const PROBE = [nan, inf, -inf, 1, -2, 0.5, nan, 3];
const probe1d = tensor([8], PROBE);
const probe4d = tensor([1, 2, 2, 2], PROBE);

/** Uniform values in [lo, hi) with about one element in `every` made NaN, +Inf or -Inf. */
function sprinkled(shape: number[], seed: number, every = 7, lo = -1, hi = 1): Tensor<'float32'> {
  const next = rng(seed);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  const specials = [nan, inf, -inf];
  for (let i = 0; i < count; i++) {
    const v = lo + (hi - lo) * next();
    data[i] = next() < 1 / every ? specials[Math.floor(next() * 3)] : v;
  }
  return { dtype: 'float32', shape, data };
}

/** Finite uniform values, for weights and the other operand. */
function finite(shape: number[], seed: number, lo = -1, hi = 1): Tensor<'float32'> {
  return sprinkled(shape, seed, Infinity, lo, hi);
}

const exact: Tolerance = { atol: 0, rtol: 0 };
const transcendental: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const summed: Tolerance = { atol: 1e-5, rtol: 1e-5 };

interface NanCase {
  readonly name: string;
  readonly call: OpCall;
  /** For finite outputs; non-finite ones must match exactly. Integer outputs are always exact. */
  readonly tolerance: Tolerance;
  /** PyTorch's (torch 1.13) result, where noted: checked against the CPU reference and the GPU. */
  readonly torch?: readonly (readonly number[])[];
}

/**
 * The first element where `actual` and `expected` differ: a NaN against anything but NaN, an
 * infinity against anything but the same infinity, or finite values beyond the tolerance.
 */
function firstMismatch(actual: Tensor, expected: readonly number[] | Tensor, tol: Tolerance): string | undefined {
  const a = Array.from(actual.data as ArrayLike<number | bigint>, Number);
  const e = Array.isArray(expected) ? expected : Array.from((expected as Tensor).data as ArrayLike<number | bigint>, Number);
  if (a.length !== e.length) return `length ${a.length} != expected ${e.length}`;
  const integer = actual.dtype !== 'float32';
  for (let i = 0; i < e.length; i++) {
    const [x, y] = [a[i], e[i]];
    const same = Number.isNaN(y)
      ? Number.isNaN(x)
      : !Number.isFinite(y) || !Number.isFinite(x) || integer
        ? x === y
        : Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y);
    if (!same) return `element ${i}: got ${x}, expected ${y}`;
  }
  return undefined;
}

function activation(opType: string, torch?: number[], attributes?: OpCall['attributes'], extraInputs: Tensor[] = []): NanCase[] {
  return [
    { name: `${opType} probe`, call: { opType, attributes, inputs: [probe1d, ...extraInputs] }, tolerance: transcendental, ...(torch ? { torch: [torch] } : {}) },
    // 37 elements: a vec4 tail, and specials in every lane position.
    { name: `${opType} sprinkled`, call: { opType, attributes, inputs: [sprinkled([37], 11, 4, -8, 8), ...extraInputs] }, tolerance: transcendental },
  ];
}

const scalar = (v: number) => tensor([], [v]);

const cases: NanCase[] = [
  // --- Activations (PyTorch: torch.relu, F.leaky_relu, F.elu, torch.sigmoid, torch.tanh, F.hardswish;
  // HardSigmoid as torch.clamp(0.2 * x + 0.5, 0, 1), ONNX's default alpha and beta).
  ...activation('Relu', [nan, inf, 0, 1, 0, 0.5, nan, 3]),
  ...activation('LeakyRelu', [nan, inf, -inf, 1, -0.019999999552965164, 0.5, nan, 3]),
  ...activation('Elu', [nan, inf, -1, 1, -0.8646647334098816, 0.5, nan, 3]),
  ...activation('Sigmoid', [nan, 1, 0, 0.7310585975646973, 0.11920291930437088, 0.622459352016449, nan, 0.9525741338729858]),
  ...activation('Tanh', [nan, 1, -1, 0.7615941762924194, -0.9640275835990906, 0.46211716532707214, nan, 0.9950547814369202]),
  ...activation('HardSwish', [nan, inf, nan, 0.6666666865348816, -0.3333333432674408, 0.2916666567325592, nan, 3]),
  ...activation('HardSigmoid', [nan, 1, 0, 0.699999988079071, 0.09999999403953552, 0.6000000238418579, nan, 1]),
  // torch.clamp(x, 0, 6).
  ...activation('Clip', [nan, 6, 0, 1, 0, 0.5, nan, 3], undefined, [scalar(0), scalar(6)]),
  // ONNX: an omitted max is the largest finite f32 (torch.clamp(x, min=0) would keep inf).
  ...activation('Clip', [nan, 3.4028234663852886e38, 0, 1, 0, 0.5, nan, 3], undefined, [scalar(0)]),

  // --- Pooling (F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d).
  {
    name: 'MaxPool 2x2 probe',
    call: { opType: 'MaxPool', attributes: { kernel_shape: [2, 2] }, inputs: [probe4d] },
    tolerance: exact,
    // torch's indices are per plane: [0, 2]; ONNX's are flat over the input, so the second is 4 + 2.
    torch: [[nan, nan], [0, 6]],
  },
  {
    name: 'MaxPool 1x2 probe',
    call: { opType: 'MaxPool', attributes: { kernel_shape: [1, 2] }, inputs: [probe4d] },
    tolerance: exact,
    torch: [[nan, 1, 0.5, nan], [0, 3, 5, 6]],
  },
  {
    // torch's max_pool2d picks the window's last NaN; a window of -Inf gives -Inf at its first.
    name: 'MaxPool two NaNs, -Inf window',
    call: { opType: 'MaxPool', attributes: { kernel_shape: [1, 4], strides: [1, 4] }, inputs: [tensor([1, 1, 1, 8], [1, nan, nan, 2, -inf, -inf, -inf, -inf])] },
    tolerance: exact,
    torch: [[nan, -inf], [2, 4]],
  },
  {
    name: 'MaxPool 3x3 s2 pads 1 sprinkled',
    call: { opType: 'MaxPool', attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [sprinkled([2, 3, 9, 10], 21)] },
    tolerance: exact,
  },
  { name: 'AveragePool 1x2 probe', call: { opType: 'AveragePool', attributes: { kernel_shape: [1, 2] }, inputs: [probe4d] }, tolerance: summed, torch: [[nan, -inf, -0.75, nan]] },
  {
    name: 'AveragePool 3x3 pads 1 sprinkled',
    call: { opType: 'AveragePool', attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, inputs: [sprinkled([1, 3, 8, 9], 22, 20)] },
    tolerance: summed,
  },
  { name: 'GlobalAveragePool probe', call: { opType: 'GlobalAveragePool', inputs: [probe4d] }, tolerance: summed, torch: [[nan, nan]] },
  {
    name: 'GlobalAveragePool sprinkled',
    call: { opType: 'GlobalAveragePool', inputs: [sprinkled([2, 6, 5, 7], 23, 60)] },
    tolerance: summed,
  },

  // --- Reductions (torch.amax, torch.amin, torch.mean, torch.sum over dim 1).
  ...(
    [
      ['ReduceMax', [nan, inf, nan, 3], [-inf, inf]],
      ['ReduceMin', [nan, 0.5, nan, 1], [-inf, -inf]],
      ['ReduceMean', [nan, inf, nan, 2], [-inf, nan]],
      ['ReduceSum', [nan, inf, nan, 4], [-inf, nan]],
    ] as const
  ).flatMap(([opType, probeTorch, infTorch]): NanCase[] => [
    { name: `${opType} probe`, call: { opType, attributes: { axes: [1] }, inputs: [probe4d] }, tolerance: summed, torch: [probeTorch] },
    // Rows [-Inf, -Inf, -Inf] and [Inf, -Inf, 1].
    { name: `${opType} infinities`, call: { opType, attributes: { axes: [1] }, inputs: [tensor([2, 3], [-inf, -inf, -inf, inf, -inf, 1])] }, tolerance: summed, torch: [infTorch] },
    { name: `${opType} sprinkled`, call: { opType, attributes: { axes: [1, 3] }, inputs: [sprinkled([2, 5, 3, 4], 31, 25)] }, tolerance: summed },
  ]),

  // --- Softmax (torch.softmax) and ArgMax (torch.argmax).
  {
    name: 'Softmax probe axis 1',
    call: { opType: 'Softmax', attributes: { axis: 1 }, inputs: [probe4d] },
    tolerance: transcendental,
    torch: [[nan, nan, nan, 0.11920291930437088, nan, nan, nan, 0.8807970285415649]],
  },
  {
    // Rows [Inf, 1, 2], [-Inf x3], [-Inf, 1, 2], [NaN, 1, 2].
    name: 'Softmax infinities',
    call: { opType: 'Softmax', inputs: [tensor([4, 3], [inf, 1, 2, -inf, -inf, -inf, -inf, 1, 2, nan, 1, 2])] },
    tolerance: transcendental,
    torch: [[nan, nan, nan, nan, nan, nan, 0, 0.2689414322376251, 0.7310585975646973, nan, nan, nan]],
  },
  { name: 'Softmax sprinkled axis 1', call: { opType: 'Softmax', attributes: { axis: 1 }, inputs: [sprinkled([2, 6, 3, 5], 41, 30, -5, 5)] }, tolerance: transcendental },
  { name: 'ArgMax probe axis 1', call: { opType: 'ArgMax', attributes: { axis: 1 }, inputs: [probe4d] }, tolerance: exact, torch: [[0, 0, 1, 1]] },
  {
    // Rows [1, NaN, 5, NaN], [-Inf x4], [2, Inf, Inf, NaN].
    name: 'ArgMax rows',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0 }, inputs: [tensor([3, 4], [1, nan, 5, nan, -inf, -inf, -inf, -inf, 2, inf, inf, nan])] },
    tolerance: exact,
    torch: [[1, 0, 3]],
  },
  {
    // The same rows, last of the ties: NaNs tie with each other (torch has no select_last_index).
    name: 'ArgMax rows select_last_index',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0, select_last_index: 1 }, inputs: [tensor([3, 4], [1, nan, 5, nan, -inf, -inf, -inf, -inf, 2, inf, inf, nan])] },
    tolerance: exact,
  },
  { name: 'ArgMax sprinkled axis 1', call: { opType: 'ArgMax', attributes: { axis: 1 }, inputs: [sprinkled([2, 7, 4, 5], 42, 9)] }, tolerance: exact },

  // --- Elementwise arithmetic (IEEE: x / 0 is +-Inf, 0 / 0 NaN; torch's results).
  {
    name: 'Div by zero',
    call: { opType: 'Div', inputs: [tensor([8], [nan, inf, -inf, 1, -2, 0.5, 0, -0]), tensor([8], [2, 0, 0, 0, 0, nan, 0, 0])] },
    tolerance: exact,
    torch: [[nan, inf, -inf, inf, -inf, nan, nan, nan]],
  },
  { name: 'Add probe', call: { opType: 'Add', inputs: [probe1d, tensor([8], [1, -inf, inf, inf, nan, 1, 2, 3])] }, tolerance: exact },
  { name: 'Mul probe by zero', call: { opType: 'Mul', inputs: [probe1d, scalar(0)] }, tolerance: exact },
  { name: 'Mul sprinkled per channel', call: { opType: 'Mul', inputs: [sprinkled([1, 4, 2, 4], 51), tensor([1, 4, 1, 1], [0, 2, -1, inf])] }, tolerance: exact },
  { name: 'Pow squared', call: { opType: 'Pow', inputs: [probe1d, scalar(2)] }, tolerance: exact, torch: [[nan, inf, inf, 1, 4, 0.25, nan, 9]] },
  ...(
    [
      ['Pow exponents', [2, 2, 2, -2, 0.5, 0.5, 0.5, 0], [nan, inf, -inf, -2, -4, inf, -inf, nan]],
      ['Pow NaN and Inf exponents', [nan, nan, nan, nan, inf, -inf, inf, 3], [1, 2, 0, -1, 2, 2, 0.5, 0.5]],
    ] as const
  ).map(([name, base, exponent]): NanCase => ({ name, call: { opType: 'Pow', inputs: [tensor([8], [...base]), tensor([8], [...exponent])] }, tolerance: transcendental })),
  {
    // Every special base against every kind of exponent: pow's table of special values.
    name: 'Pow table',
    call: {
      opType: 'Pow',
      inputs: [tensor([10, 1], [-inf, inf, 0, -0, -2, -1, 1, 0.5, 3, nan]), tensor([1, 12], [0.5, -0.5, 3, -3, 2, 100, 101, -101, 2.5, inf, -inf, nan])],
    },
    tolerance: transcendental,
  },
  { name: 'Resize linear x2 probe', call: { opType: 'Resize', attributes: { mode: 'linear' }, inputs: [probe4d, undefined, tensor([4], [1, 1, 2, 2])] }, tolerance: summed },
  { name: 'Resize linear x2 sprinkled', call: { opType: 'Resize', attributes: { mode: 'linear' }, inputs: [sprinkled([1, 2, 6, 8], 120, 15), undefined, tensor([4], [1, 1, 2, 2])] }, tolerance: summed },
  { name: 'Resize linear x1.5 sprinkled', call: { opType: 'Resize', attributes: { mode: 'linear' }, inputs: [sprinkled([1, 2, 6, 8], 121, 15), undefined, tensor([4], [1, 1, 1.5, 1.5])] }, tolerance: summed },
  { name: 'Resize linear align_corners sprinkled', call: { opType: 'Resize', attributes: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, inputs: [sprinkled([1, 2, 5, 6], 122, 15), undefined, tensor([4], [1, 1, 2, 2])] }, tolerance: summed },
  {
    name: 'Sqrt',
    call: { opType: 'Sqrt', inputs: [tensor([8], [nan, inf, -inf, 1, -2, 0.5, 0, -0])] },
    tolerance: transcendental,
    torch: [[nan, inf, nan, 1, nan, 0.7071067690849304, 0, -0]],
  },
  {
    name: 'Log',
    call: { opType: 'Log', inputs: [tensor([8], [nan, inf, -inf, 1, -2, 0.5, 0, -0])] },
    tolerance: transcendental,
    torch: [[nan, inf, nan, 0, nan, -0.6931471824645996, -inf, -inf]],
  },
  {
    name: 'Exp',
    call: { opType: 'Exp', inputs: [tensor([8], [nan, inf, -inf, 1, -2, 0.5, 0, 100])] },
    tolerance: transcendental,
    torch: [[nan, inf, 0, 2.7182817459106445, 0.1353352814912796, 1.6487212181091309, 1, inf]],
  },
  {
    name: 'Reciprocal',
    call: { opType: 'Reciprocal', inputs: [tensor([8], [nan, inf, -inf, 1, -2, 0.5, 0, -0])] },
    tolerance: transcendental,
    torch: [[nan, 0, -0, 1, -0.5, 2, inf, -inf]],
  },
  ...(['Neg', 'Abs', 'Floor', 'Ceil'] as const).map((opType): NanCase => ({ name: opType, call: { opType, inputs: [probe1d] }, tolerance: exact })),

  // --- Arithmetic ops with weights: NaN and Inf spread through the sums (Inf - Inf is NaN).
  {
    name: 'BatchNormalization sprinkled',
    call: { opType: 'BatchNormalization', inputs: [sprinkled([2, 3, 4, 5], 61), finite([3], 62, 0.5, 2), finite([3], 63), finite([3], 64), finite([3], 65, 0.5, 2)] },
    tolerance: summed,
  },
  { name: 'Gemm sprinkled', call: { opType: 'Gemm', inputs: [sprinkled([5, 8], 71, 15), finite([8, 6], 72), finite([6], 73)] }, tolerance: summed },
  { name: 'MatMul sprinkled', call: { opType: 'MatMul', inputs: [sprinkled([6, 9], 74, 20), finite([9, 5], 75)] }, tolerance: summed },
  ...(
    [
      ['3x3 pad 1', [1, 3, 7, 9], [8, 3, 3, 3], { pads: [1, 1, 1, 1] }],
      ['1x1', [1, 6, 4, 4], [8, 6, 1, 1], {}],
      ['depthwise 3x3', [1, 4, 6, 9], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1] }],
      ['3x3 stride 2', [1, 2, 9, 9], [4, 2, 3, 3], { strides: [2, 2] }],
    ] satisfies [string, number[], number[], Record<string, number | number[]>][]
  ).flatMap(([shapeName, x, w, attributes], i): NanCase[] =>
    [undefined, 'Relu', 'Clip', 'HardSwish'].map((act) => ({
      name: `Conv ${shapeName}${act ? ` ${act}` : ''} sprinkled`,
      call: {
        opType: 'Conv',
        attributes: { ...attributes, ...(act ? { activation: act } : {}), ...(act === 'Clip' ? { activation_params: [0, 6] } : {}) },
        inputs: [sprinkled([...x], 80 + i, 40), finite([...w], 90 + i), finite([w[0]], 100 + i)],
      },
      tolerance: { atol: 1e-4, rtol: 1e-4 },
    })),
  ),
  {
    // Conv(Inf) without an activation stays Inf: the kernel's unbounded Clip has infinite bounds.
    name: 'Conv 1x1 of infinities',
    call: { opType: 'Conv', inputs: [tensor([1, 1, 2, 2], [inf, -inf, nan, 1]), tensor([1, 1, 1, 1], [2])] },
    tolerance: exact,
    torch: [[inf, -inf, nan, 2]],
  },
  {
    name: 'Conv 1x1 of infinities Relu',
    call: { opType: 'Conv', attributes: { activation: 'Relu' }, inputs: [tensor([1, 1, 2, 2], [inf, -inf, nan, 1]), tensor([1, 1, 1, 1], [2])] },
    tolerance: exact,
    torch: [[inf, 0, nan, 2]],
  },
  ...[undefined, 'Relu', 'LeakyRelu'].map(
    (act): NanCase => ({
      name: `ConvTranspose k2 s2${act ? ` ${act}` : ''} sprinkled`,
      call: {
        opType: 'ConvTranspose',
        attributes: { strides: [2, 2], ...(act ? { activation: act } : {}) },
        inputs: [sprinkled([1, 3, 4, 5], 110, 12), finite([3, 4, 2, 2], 111), finite([4], 112)],
      },
      tolerance: { atol: 1e-4, rtol: 1e-4 },
    }),
  ),

  // --- Resize, Threshold.
  { name: 'Resize nearest x2', call: { opType: 'Resize', attributes: { mode: 'nearest' }, inputs: [probe4d, undefined, tensor([4], [1, 1, 2, 2])] }, tolerance: exact },
  { name: 'Threshold', call: { opType: 'Threshold', inputs: [tensor([1, 1, 2, 4], PROBE)] }, tolerance: exact, torch: [[0, 1, 0, 1, 0, 0, 0, 1]] },
];

/** The test device, lowering as if its adapter were (or were not) CPU-like. */
async function gpuLowering(cpuLike: boolean): Promise<GpuContext> {
  const ctx = await testGpu();
  return { ...ctx, traits: { ...ctx.traits, cpuLike } };
}

describe('NaN and Inf: CPU reference against PyTorch', () => {
  for (const c of cases) {
    if (!c.torch) continue;
    it(c.name, () => {
      const outputs = runOpCpu(c.call);
      c.torch!.forEach((expected, i) => expect(firstMismatch(outputs[i], expected, c.tolerance), `output ${i}`).toBeUndefined());
    });
  }
});

for (const cpuLike of [true, false]) {
  describe(`NaN and Inf: GPU against the CPU reference, ${cpuLike ? 'CPU-like adapter' : 'GPU'} variants`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const cpu = runOpCpu(c.call);
        const gpu = await runOpGpu(await gpuLowering(cpuLike), c.call);
        cpu.forEach((expected, i) => expect(firstMismatch(gpu[i], expected, c.tolerance), `output ${i}`).toBeUndefined());
        c.torch?.forEach((expected, i) => expect(firstMismatch(gpu[i], expected, c.tolerance), `output ${i} against torch`).toBeUndefined());
      });
    }
  });
}

// Winograd (forced, as PlanOptions.winograd does): its transforms spread a non-finite input pixel
// over the whole output tile; its output transform computes those outputs again directly, so the
// pattern must equal direct convolution's (the CPU reference).
const winogradCases: NanCase[] = [
  ...([undefined, 'Relu', 'Clip'] as const).map((act, i): NanCase => ({
    name: `Conv 3x3 pad 1 ${act ?? 'no activation'} sprinkled`,
    call: {
      opType: 'Conv',
      attributes: { pads: [1, 1, 1, 1], ...(act ? { activation: act } : {}), ...(act === 'Clip' ? { activation_params: [0, 6] } : {}) },
      inputs: [sprinkled([1, 4, 10, 11], 120 + i, 37), finite([5, 4, 3, 3], 125 + i), finite([5], 130 + i)],
    },
    tolerance: { atol: 1e-4, rtol: 1e-4 },
  })),
  {
    name: 'Conv 3x3 no pad, one Inf pixel, no bias',
    call: { opType: 'Conv', inputs: [tensor([1, 1, 6, 6], Array.from({ length: 36 }, (_, k) => (k === 14 ? inf : k / 10))), finite([2, 1, 3, 3], 140)] },
    tolerance: { atol: 1e-4, rtol: 1e-4 },
  },
];

for (const tile of [2, 4] as const) {
  describe(`NaN and Inf: Winograd F(${tile}x${tile}) against the CPU reference`, () => {
    for (const c of winogradCases) {
      it(c.name, async () => {
        const ctx = await testGpu();
        const cpu = runOpCpu(c.call);
        const gpu = await runOpGpu({ ...ctx, traits: { ...ctx.traits, winograd: tile } }, c.call);
        const nonFinite = Array.from(cpu[0].data as Float32Array).filter((v) => !Number.isFinite(v)).length;
        expect(nonFinite, 'the case has non-finite outputs').toBeGreaterThan(0);
        expect(nonFinite, 'and finite ones').toBeLessThan(cpu[0].data.length);
        expect(firstMismatch(gpu[0], cpu[0], c.tolerance)).toBeUndefined();
      });
    }
  });
}
