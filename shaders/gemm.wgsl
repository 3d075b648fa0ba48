// Gemm and MatMul (ONNX Gemm-13, MatMul-13), float32:
//   Y[batch, m, n] = alpha * sum_k A[batch, m, k] * B[batch, k, n] + beta * C[m, n]
// One invocation per output element runs the dot product over k. Transposed operands
// (Gemm's transA/transB) and broadcast batch dimensions (MatMul) are only strides: A[m, k] sits
// at aBatch + m * aRowStride + k * aColStride, and the batch offsets come from the output's batch
// coordinates through per-operand batch strides (0 where an operand is broadcast).
// Without C (hasC = 0), `c` is bound to a scratch word and never read.

struct Params {
  total: u32,
  M: u32,
  N: u32,
  K: u32,
  batchRank: u32,
  aRowStride: u32,
  aColStride: u32,
  bRowStride: u32,
  bColStride: u32,
  hasC: u32,
  cRowStride: u32,    // 0 where C broadcasts along that dimension
  cColStride: u32,
  alpha: f32,
  beta: f32,
  batchShape: array<vec4u, 2>,     // up to 8 batch dimensions, innermost last
  aBatchStrides: array<vec4u, 2>,
  bBatchStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let n = i % p.N;
  let m = (i / p.N) % p.M;
  var rest = i / (p.N * p.M);
  var aAt = m * p.aRowStride;
  var bAt = n * p.bColStride;
  for (var d = i32(p.batchRank) - 1; d >= 0; d--) {
    let extent = p.batchShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    aAt += coord * p.aBatchStrides[d / 4][d % 4];
    bAt += coord * p.bBatchStrides[d / 4][d % 4];
  }
  var sum = 0.0;
  for (var k = 0u; k < p.K; k++) {
    sum += a[aAt] * b[bAt];
    aAt += p.aColStride;
    bAt += p.bRowStride;
  }
  var r = p.alpha * sum;
  if (p.hasC == 1u) { r += p.beta * c[m * p.cRowStride + n * p.cColStride]; }
  y[i] = r;
}
