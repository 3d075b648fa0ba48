// MatMulInteger by dot4U8Packed (src/ops/integer-dot.ts has the arithmetic; src/ops/matmul-integer.ts
// puts `requires packed_4x8_integer_dot_product;` in front, as WGSL wants it before every
// declaration):
//   Y[batch, m, n] = sum_k (A - aZero[m]) * (B - bZero[n]) = D - zb' * Sa - za' * (Sb - T * zb')
// over T = 4 * K4 packed taps. A comes packed by shaders/integer-dot-pack.wgsl ([rows][K4] words,
// K's tail padded with the row's zero point; top bits flipped here when `negative` says the data
// is int8), B by shaders/matmul-integer-dot-pack.wgsl ([batch][K4][N] words, then the column sums
// Sb at sumsOffset). One invocation per 4 neighbouring columns of one row, as matmul-integer.wgsl.
// Broadcast batch dimensions are strides only (in words; 0 where broadcast). u32/i32 arithmetic
// wraps, so the result is exact whenever it fits in an i32.

struct Params {
  total: u32,          // batches * M * columnTiles
  M: u32,
  N: u32,
  K4: u32,
  columnTiles: u32,    // ceil(N / 4)
  batchRank: u32,
  sumsOffset: u32,     // word index of B's column sums
  bFlip: i32,          // 128 for int8 B (its bytes and zero points shifted by 128), else 0
  hasAZero: u32,
  hasBZero: u32,
  aZeroStride: u32,
  bZeroStride: u32,
  batchShape: array<vec4u, 2>,     // up to 8 batch dimensions, innermost last
  aBatchStrides: array<vec4u, 2>,  // in packed words of A
  bBatchStrides: array<vec4u, 2>,  // in whole matrices of B
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> aZero: array<i32>;
@group(0) @binding(4) var<storage, read_write> bZero: array<i32>;
@group(0) @binding(5) var<storage, read_write> negative: array<u32>;
@group(0) @binding(6) var<storage, read_write> y: array<i32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let M = p.M;
  let N = p.N;
  let K4 = p.K4;
  let n0 = (i % p.columnTiles) * 4u;
  let m = (i / p.columnTiles) % M;
  var rest = i / (p.columnTiles * M);
  var aAt = m * K4;
  var bMatrix = 0u;
  for (var d = i32(p.batchRank) - 1; d >= 0; d--) {
    let extent = p.batchShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    aAt += coord * p.aBatchStrides[d / 4][d % 4];
    bMatrix += coord * p.bBatchStrides[d / 4][d % 4];
  }
  let batchOut = i / (p.columnTiles * M);
  // Columns past N (the last tile's) read column N - 1 and are not stored.
  let columns = min(vec4u(n0, n0 + 1u, n0 + 2u, n0 + 3u), vec4u(N - 1u));
  let int8A = negative[0] != 0u;
  let signFlip = select(0u, 0x80808080u, int8A);
  var aZeroPoint = select(0i, 128i, int8A);
  if (p.hasAZero == 1u) { aZeroPoint += aZero[m * p.aZeroStride]; }
  var bZeroPoint = vec4i(p.bFlip);
  if (p.hasBZero == 1u) {
    let at = columns * p.bZeroStride;
    bZeroPoint += vec4i(bZero[at.x], bZero[at.y], bZero[at.z], bZero[at.w]);
  }
  let bAt = bMatrix * K4 * N;
  var acc = vec4u(0u);
  var aSum = 0u;
  for (var k4 = 0u; k4 < K4; k4++) {
    let av = a[aAt + k4] ^ signFlip;
    let row = bAt + k4 * N;
    acc += vec4u(dot4U8Packed(av, b[row + columns.x]), dot4U8Packed(av, b[row + columns.y]), dot4U8Packed(av, b[row + columns.z]), dot4U8Packed(av, b[row + columns.w]));
    aSum += dot4U8Packed(av, 0x01010101u);
  }
  let sums = p.sumsOffset + bMatrix * N;
  let bSum = bitcast<vec4i>(vec4u(b[sums + columns.x], b[sums + columns.y], b[sums + columns.z], b[sums + columns.w]));
  let taps = i32(4u * K4);
  let result = bitcast<vec4i>(acc) - bZeroPoint * bitcast<i32>(aSum) - aZeroPoint * (bSum - taps * bZeroPoint);
  let out = (batchOut * M + m) * N + n0;
  y[out] = result.x;
  if (n0 + 1u < N) { y[out + 1u] = result.y; }
  if (n0 + 2u < N) { y[out + 2u] = result.z; }
  if (n0 + 3u < N) { y[out + 3u] = result.w; }
}
