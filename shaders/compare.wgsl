// Comparisons and logical ops with multidirectional broadcasting (ONNX Equal-13, Less-13,
// Greater-13, LessOrEqual-16, GreaterOrEqual-16, And-7, Or-7, Xor-7). One invocation per output
// element; each input is read through its broadcast strides (0 along dimensions of size 1).
// Inputs hold raw 32-bit words: f32 (intMath 0) or i32 (intMath 1; int64 travels as i32 words,
// booleans as i32 0/1). The output is BOOL as segwgpu holds it: i32 0 or 1.
// NaN compares false with everything (NaN == NaN is false), told from its bits (common.wgsl).

struct Params {
  total: u32,
  rank: u32,
  op: u32,                      // 0 Equal, 1 Less, 2 Greater, 3 LessOrEqual, 4 GreaterOrEqual, 5 And, 6 Or, 7 Xor
  intMath: u32,
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  aStrides: array<vec4u, 2>,
  bStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

const WG = 64u;

fn compareInts(va: i32, vb: i32, op: u32) -> bool {
  switch op {
    case 0u: { return va == vb; }
    case 1u: { return va < vb; }
    case 2u: { return va > vb; }
    case 3u: { return va <= vb; }
    case 4u: { return va >= vb; }
    case 5u: { return va != 0 && vb != 0; }
    case 6u: { return va != 0 || vb != 0; }
    default: { return (va != 0) != (vb != 0); }
  }
}

fn compareFloats(va: f32, vb: f32, op: u32) -> bool {
  if (isNan(va) || isNan(vb)) { return false; }
  switch op {
    case 0u: { return va == vb; }
    case 1u: { return va < vb; }
    case 2u: { return va > vb; }
    case 3u: { return va <= vb; }
    default: { return va >= vb; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.outShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    ia += coord * p.aStrides[d / 4][d % 4];
    ib += coord * p.bStrides[d / 4][d % 4];
  }
  let wa = a[ia];
  let wb = b[ib];
  var r: bool;
  if (p.intMath == 1u) {
    r = compareInts(bitcast<i32>(wa), bitcast<i32>(wb), p.op);
  } else {
    r = compareFloats(bitcast<f32>(wa), bitcast<f32>(wb), p.op);
  }
  y[i] = select(0, 1, r);
}
