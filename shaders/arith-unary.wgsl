// Elementwise unary math (ONNX Neg-13, Abs-13, Sqrt-13, Reciprocal-13, Floor-13, Ceil-13,
// Exp-13, Log-13). One invocation per element; raw 32-bit words in and out, so Neg and Abs also
// serve i32 words (intMath = 1; -INT_MIN wraps to INT_MIN as in two's complement).
// Float NaN in gives NaN out, and Log's special values (NaN below 0, -Inf at +-0, +Inf at +Inf)
// are chosen by bit tests and select (the NaN rule in common.wgsl): SwiftShader's exp and log work
// on the bits assuming a positive number (log(NaN) came out 89.1, log(0) -88.0, exp(NaN) +Inf).

struct Params {
  total: u32,
  op: u32,        // 0 Neg, 1 Abs, 2 Sqrt, 3 Reciprocal, 4 Floor, 5 Ceil, 6 Exp, 7 Log
  intMath: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (p.intMath == 1u) {
    let v = bitcast<i32>(x[i]);
    // 0 - v rather than -v: WGSL wraps subtraction, and abs(INT_MIN) is INT_MIN too.
    y[i] = bitcast<u32>(select(0 - v, abs(v), p.op == 1u));
    return;
  }
  let v = bitcast<f32>(x[i]);
  var r: f32;
  switch p.op {
    case 0u: { r = -v; }
    case 1u: { r = abs(v); }
    case 2u: { r = sqrt(v); }
    case 3u: { r = 1.0 / v; }
    case 4u: { r = floor(v); }
    case 5u: { r = ceil(v); }
    case 6u: { r = exp(v); }
    default: {
      let inf = infF32();
      r = select(select(select(log(v), inf, v == inf), -inf, v == 0.0), nanF32(), v < 0.0);
    }
  }
  y[i] = bitcast<u32>(select(r, v, isNan(v)));
}
