// MatMulInteger (ONNX MatMulInteger-10):
//   Y[batch, m, n] = sum_k (A[batch, m, k] - aZero[m]) * (B[batch, k, n] - bZero[n])   (i32)
// One invocation per 4 neighbouring columns of one row: each A value is read once for the four.
// B is either packed 4 x 8 bits per word along k (bPacked = 1, shaders/pack-u8x4.wgsl: word
// [batch, k4, n]) or one i32 per element (B computed at run time). Packed bytes are unpacked with
// extractBits and sign-extended where bSignMask is 0x80 (int8), so v - 2 * (v & mask) turns
// 128..255 into -128..-1. Broadcast batch dimensions are strides only (0 where broadcast; B's in
// words when packed). Zero points are per tensor (stride 0) or per row / column (stride 1); absent
// ones (hasAZero / hasBZero = 0) are bound to scratch words and never read.
// i32 arithmetic wraps on overflow, as the CPU reference's does.

struct Params {
  total: u32,          // batches * M * columnTiles
  M: u32,
  N: u32,
  K: u32,
  columnTiles: u32,    // ceil(N / 4)
  batchRank: u32,
  bPacked: u32,
  bSignMask: i32,
  hasAZero: u32,
  hasBZero: u32,
  aZeroStride: u32,
  bZeroStride: u32,
  batchShape: array<vec4u, 2>,     // up to 8 batch dimensions, innermost last
  aBatchStrides: array<vec4u, 2>,
  bBatchStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<i32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> aZero: array<i32>;
@group(0) @binding(4) var<storage, read_write> bZero: array<i32>;
@group(0) @binding(5) var<storage, read_write> y: array<i32>;

const WG = 64u;

fn unpackBytes(word: u32, signMask: i32) -> vec4i {
  let v = vec4i(i32(extractBits(word, 0u, 8u)), i32(extractBits(word, 8u, 8u)), i32(extractBits(word, 16u, 8u)), i32(extractBits(word, 24u, 8u)));
  return v - 2 * (v & vec4i(signMask));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let M = p.M;
  let N = p.N;
  let K = p.K;
  let n0 = (i % p.columnTiles) * 4u;
  let m = (i / p.columnTiles) % M;
  var rest = i / (p.columnTiles * M);
  var aAt = m * K;
  var bAt = 0u;
  for (var d = i32(p.batchRank) - 1; d >= 0; d--) {
    let extent = p.batchShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    aAt += coord * p.aBatchStrides[d / 4][d % 4];
    bAt += coord * p.bBatchStrides[d / 4][d % 4];
  }
  let batchOut = i / (p.columnTiles * M);
  // Columns past N (the last tile's) read column N - 1 and are not stored.
  let columns = min(vec4u(n0, n0 + 1u, n0 + 2u, n0 + 3u), vec4u(N - 1u));
  var aZeroPoint = 0;
  if (p.hasAZero == 1u) { aZeroPoint = aZero[m * p.aZeroStride]; }
  var bZeroPoint = vec4i(0);
  if (p.hasBZero == 1u) {
    let at = columns * p.bZeroStride;
    bZeroPoint = vec4i(bZero[at.x], bZero[at.y], bZero[at.z], bZero[at.w]);
  }
  var acc = vec4i(0);
  if (p.bPacked == 1u) {
    let mask = p.bSignMask;
    let fullWords = K / 4u;
    for (var k4 = 0u; k4 < fullWords; k4++) {
      let av = vec4i(a[aAt], a[aAt + 1u], a[aAt + 2u], a[aAt + 3u]) - vec4i(aZeroPoint);
      aAt += 4u;
      let row = bAt + k4 * N;
      acc.x += dot(av, unpackBytes(b[row + columns.x], mask) - vec4i(bZeroPoint.x));
      acc.y += dot(av, unpackBytes(b[row + columns.y], mask) - vec4i(bZeroPoint.y));
      acc.z += dot(av, unpackBytes(b[row + columns.z], mask) - vec4i(bZeroPoint.z));
      acc.w += dot(av, unpackBytes(b[row + columns.w], mask) - vec4i(bZeroPoint.w));
    }
    let tail = K % 4u;
    if (tail > 0u) {
      // The last word's rows past K: A's side is 0 there, so padding adds nothing.
      var av = vec4i(0);
      for (var j = 0u; j < tail; j++) { av[j] = a[aAt + j] - aZeroPoint; }
      let row = bAt + fullWords * N;
      acc.x += dot(av, unpackBytes(b[row + columns.x], mask) - vec4i(bZeroPoint.x));
      acc.y += dot(av, unpackBytes(b[row + columns.y], mask) - vec4i(bZeroPoint.y));
      acc.z += dot(av, unpackBytes(b[row + columns.z], mask) - vec4i(bZeroPoint.z));
      acc.w += dot(av, unpackBytes(b[row + columns.w], mask) - vec4i(bZeroPoint.w));
    }
  } else {
    for (var k = 0u; k < K; k++) {
      let av = a[aAt + k] - aZeroPoint;
      let row = bAt + k * N;
      let bv = vec4i(bitcast<i32>(b[row + columns.x]), bitcast<i32>(b[row + columns.y]), bitcast<i32>(b[row + columns.z]), bitcast<i32>(b[row + columns.w]));
      acc += av * (bv - bZeroPoint);
    }
  }
  let out = (batchOut * M + m) * N + n0;
  y[out] = acc.x;
  if (n0 + 1u < N) { y[out + 1u] = acc.y; }
  if (n0 + 2u < N) { y[out + 2u] = acc.z; }
  if (n0 + 3u < N) { y[out + 3u] = acc.w; }
}
