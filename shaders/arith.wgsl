// Add / Sub / Mul / Div / Pow with multidirectional broadcasting (ONNX Add-14, Sub-14, Mul-14,
// Div-14, Pow-15).
// One invocation per output element; the output index is split into coordinates and each input
// is read through its broadcast strides (0 along dimensions of size 1).
// Buffers hold raw 32-bit words so one kernel serves f32 math and i32 math (integer Add/Sub/Mul/
// Div: wrapping, division truncating toward zero; WGSL gives x for x / 0).

struct Params {
  total: u32,
  rank: u32,
  op: u32,                      // 0 Sub, 1 Div, 2 Pow, 3 Add, 4 Mul
  intMath: u32,                 // 1: a, b and y are i32 words (Sub/Div on integers)
  intExponent: u32,             // 1: Pow's exponent b holds i32 words (its base is always f32)
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  aStrides: array<vec4u, 2>,
  bStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

const WG = 64u;

// x^e for an integral e with |e| <= 64: binary exponentiation, so small powers (x*x for e = 2)
// are as exact as f32 multiplication allows and negative bases keep their sign.
fn powInteger(x: f32, e: i32) -> f32 {
  var base = x;
  var n = abs(e);
  var result = 1.0;
  while (n > 0) {
    if ((n & 1) == 1) { result *= base; }
    base *= base;
    n = n >> 1u;
  }
  return select(result, 1.0 / result, e < 0);
}

// x^e for a float e: C99's pow (numpy's power, which the ONNX reference uses). x^0 and 1^e are 1
// even for a NaN; any other NaN gives NaN; infinities by pow's table. Special values are told by
// bit tests (the NaN rule in common.wgsl): SwiftShader's exp2 and log2 assume positive numbers
// (2^NaN came out +Inf), and its comparisons may assume no NaN.
fn powFloat(x: f32, e: f32) -> f32 {
  let xNan = isNan(x);
  let eNan = isNan(e);
  if ((!eNan && e == 0.0) || (!xNan && x == 1.0)) { return 1.0; }
  if (xNan || eNan) { return nanF32(); }
  let inf = infF32();
  if (!isFiniteF32(e)) {
    let ax = abs(x);
    if (ax == 1.0) { return 1.0; }   // (-1)^+-Inf
    return select(0.0, inf, (ax > 1.0) == (e > 0.0));
  }
  let integral = e == floor(e);
  // Small integral powers by multiplication: exact as f32 allows, and right for +-Inf and 0 bases.
  if (integral && abs(e) <= 64.0) { return powInteger(x, i32(e)); }
  // Every f32 beyond 2^24 is even, so this is exact.
  let odd = integral && floor(e / 2.0) != e / 2.0;
  if (!isFiniteF32(x)) {
    let magnitude = select(0.0, inf, e > 0.0);
    return select(magnitude, -magnitude, odd && x < 0.0);
  }
  if (x == 0.0) {
    // 0^-e is +Inf; -0 to an odd power keeps its sign (-0, -Inf).
    let magnitude = select(0.0, inf, e < 0.0);
    return select(magnitude, -magnitude, odd && bitcast<u32>(x) == 0x80000000u);
  }
  if (x < 0.0) {
    if (!integral) { return nanF32(); }   // a negative base to a fractional power
    let magnitude = exp2(e * log2(-x));
    return select(magnitude, -magnitude, odd);
  }
  return exp2(e * log2(x));
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
  if (p.intMath == 1u) {
    let va = bitcast<i32>(wa);
    let vb = bitcast<i32>(wb);
    var r: i32;
    switch p.op {
      case 0u: { r = va - vb; }
      case 1u: { r = va / vb; }
      case 3u: { r = va + vb; }
      default: { r = va * vb; }
    }
    y[i] = bitcast<u32>(r);
    return;
  }
  let va = bitcast<f32>(wa);
  let vb = select(bitcast<f32>(wb), f32(bitcast<i32>(wb)), p.intExponent == 1u);
  var r: f32;
  switch p.op {
    case 0u: { r = va - vb; }
    case 1u: { r = va / vb; }
    case 3u: { r = va + vb; }
    case 4u: { r = va * vb; }
    default: { r = powFloat(va, vb); }
  }
  y[i] = bitcast<u32>(r);
}
