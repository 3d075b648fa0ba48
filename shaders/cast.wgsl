// Cast (ONNX Cast-13) between the GPU's two word types. int64 and int32 are both i32 words here,
// so a cast between them is a copy (the runtime range-checks int64 on upload).
//   mode 0: copy the word; 1: f32 -> i32, rounding toward zero (WGSL clamps out-of-range values);
//   mode 2: i32 -> f32; 3: f32 -> the nearest f16 value, kept as f32 (Cast to FLOAT16);
//   mode 4: i32 -> f32 -> the nearest f16 value; 5: f32 -> BOOL (i32 0/1: 1 unless +-0, so NaN is
//   1; tested on the bits, since WGSL may compile float comparisons as if there were no NaN);
//   6: i32 -> BOOL (word != 0).

struct Params {
  total: u32,
  mode: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;

// The nearest binary16 value to v (ties to even), as f32, by integer arithmetic on the bits: no
// shader-f16 needed, and no implementation-defined rounding (pack2x16float leaves it open).
// |v| >= 65520 (halfway past 65504) gives infinity; NaN and infinities pass through.
fn roundToHalf(v: f32) -> f32 {
  let bits = bitcast<u32>(v);
  let sign = bits & 0x80000000u;
  let a = bits & 0x7fffffffu;
  if (a >= 0x7f800000u) { return v; }
  if (a >= 0x477ff000u) { return bitcast<f32>(sign | 0x7f800000u); }
  let e = i32(a >> 23u) - 127;
  // Bits of the 24-bit significand below the half's spacing 2^(max(e, -14) - 10).
  let dropped = u32(13 + max(e, -14) - e);
  if (dropped > 24u) { return bitcast<f32>(sign); }
  let m = (a & 0x7fffffu) | 0x800000u;
  var n = m >> dropped;
  let rest = m & ((1u << dropped) - 1u);
  let half = 1u << (dropped - 1u);
  if (rest > half || (rest == half && (n & 1u) == 1u)) { n = n + 1u; }
  return bitcast<f32>(sign | bitcast<u32>(ldexp(f32(n), max(e, -14) - 10)));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let word = x[i];
  switch p.mode {
    case 1u: { y[i] = bitcast<u32>(i32(trunc(bitcast<f32>(word)))); }
    case 2u: { y[i] = bitcast<u32>(f32(bitcast<i32>(word))); }
    case 3u: { y[i] = bitcast<u32>(roundToHalf(bitcast<f32>(word))); }
    case 4u: { y[i] = bitcast<u32>(roundToHalf(f32(bitcast<i32>(word)))); }
    case 5u: { y[i] = select(0u, 1u, (word & 0x7fffffffu) != 0u); }
    case 6u: { y[i] = select(0u, 1u, word != 0u); }
    default: { y[i] = word; }
  }
}
