// Activations for the packed-dot integer GEMMs (src/ops/integer-dot.ts): 8-bit values held one per
// i32 word become four per u32 word along the reduction axis, the lowest index in the lowest byte.
// Word i = (o, c4, q), q fastest: q = i % inner, c4 = (i / inner) % words, o = i / (inner * words).
// Its byte j holds element (o * length + 4 * c4 + j) * inner + q while 4 * c4 + j < length, and the
// zero point of row o past that: a padding byte equal to the zero point is a term
// (x - x_zero_point) * w = 0 of the true sum, and the GEMM's zero-point corrections count it as
// any other byte, so the sum stays exact.
//   Conv: x [N][C][H][W]: o = n * groups + g, length = channels per group, inner = H * W.
//   MatMulInteger: A [rows][K]: o = row, length = K, inner = 1; a per-row zero point repeats
//   every zeroPointPeriod (M) rows.
// Bytes are the values' low 8 bits, for int8 and uint8 alike, since the element type is not known
// when the plan is made. `negative` gets 1 when some value or zero point is negative (the data is
// int8); the GEMM then flips every byte's top bit, which turns int8 v into uint8 v + 128, so that
// dot4U8Packed serves both types. It must be 0 before this runs (integer-dot-clear.wgsl).

struct Params {
  total: u32,            // words: rows * words * inner
  inner: u32,
  words: u32,            // words per row: ceil(length / 4)
  length: u32,
  hasZeroPoint: u32,     // 0: no zero point input (0; the binding is never read)
  zeroPointPeriod: u32,  // rows per repetition of the zero points (M per row, 1 per tensor)
  zeroPointStride: u32,  // 1: one zero point per row; 0: one for all
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> zeroPoint: array<i32>;
@group(0) @binding(3) var<storage, read_write> packed: array<u32>;
@group(0) @binding(4) var<storage, read_write> negative: array<atomic<u32>>;

// One global atomic per workgroup at most: int8 data has a negative value in nearly every word.
var<workgroup> workgroupNegative: atomic<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  // No early return: every invocation reaches the barrier below.
  if (i < p.total) {
    let inner = p.inner;
    let q = i % inner;
    let c4 = (i / inner) % p.words;
    let o = i / (inner * p.words);
    var zp = 0i;
    if (p.hasZeroPoint == 1u) { zp = zeroPoint[(o % p.zeroPointPeriod) * p.zeroPointStride]; }
    let first = 4u * c4;
    let base = (o * p.length + first) * inner + q;
    var lowest = zp;
    var word = 0u;
    for (var j = 0u; j < 4u; j++) {
      var v = zp;
      if (first + j < p.length) { v = x[base + j * inner]; }
      lowest = min(lowest, v);
      word |= (bitcast<u32>(v) & 255u) << (8u * j);
    }
    packed[i] = word;
    if (lowest < 0) { atomicOr(&workgroupNegative, 1u); }
  }
  workgroupBarrier();
  if (lid == 0u && atomicLoad(&workgroupNegative) != 0u) { atomicOr(&negative[0], 1u); }
}
