// QLinearConv's requantization multipliers (src/ops/conv-integer.ts): for each output channel m,
// multiplier = (x_scale * w_scale[m]) / y_scale in f32, as onnxruntime computes it, laid out
// [group][S] like the packed weights' channel sections (padding channels repeat the group's last).
//
// The division is done by hand, correctly rounded: WGSL allows f32 division 2.5 ULP of error, and
// the CPU reference (Math.fround of a double quotient, which is correctly rounded) must agree to
// the last bit, since one ULP of the multiplier can move a requantized value across a .5 tie.
// The product is a plain f32 multiply: WGSL requires those correctly rounded.

struct Params {
  total: u32,              // groups * S
  packedChannels: u32,     // S: output channels per group padded to whole tiles
  groupOutC: u32,
  wScaleStride: u32,       // 1: w_scale per output channel; 0: one for all
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> xScale: array<f32>;
@group(0) @binding(2) var<storage, read_write> wScale: array<f32>;
@group(0) @binding(3) var<storage, read_write> yScale: array<f32>;
@group(0) @binding(4) var<storage, read_write> multipliers: array<f32>;

const WG = 64u;

// a / b rounded to nearest, ties to even, for positive normal a and b with a normal quotient;
// anything else (zero, subnormal, infinite or NaN operands, quotients out of the normal range)
// falls back to the built-in division.
fn divideRounded(a: f32, b: f32) -> f32 {
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  let ea = i32((ua >> 23u) & 255u);
  let eb = i32((ub >> 23u) & 255u);
  if ((ua >> 31u) != 0u || (ub >> 31u) != 0u || ea == 0 || eb == 0 || ea == 255 || eb == 255) { return a / b; }
  let ma = (ua & 0x7fffffu) | 0x800000u;
  let mb = (ub & 0x7fffffu) | 0x800000u;
  // 25 quotient bits (24 of mantissa and a rounding bit), the remainder deciding ties.
  var shift = 24u;
  if (ma < mb) { shift = 25u; }
  var q = ma / mb;
  var r = ma % mb;
  for (var i = 0u; i < shift; i++) {
    r = r << 1u;
    q = q << 1u;
    if (r >= mb) {
      r -= mb;
      q |= 1u;
    }
  }
  var mant = q >> 1u;
  if ((q & 1u) == 1u && (r != 0u || (mant & 1u) == 1u)) { mant += 1u; }
  // a / b = q * 2^(ea - eb - shift) = mant * 2^(ea - eb - shift + 1), mant in [2^23, 2^24].
  var e = ea - eb - i32(shift) + 1 + 23 + 127;
  if (mant == 0x1000000u) {
    mant = 0x800000u;
    e += 1;
  }
  if (e < 1 || e > 254) { return a / b; }
  return bitcast<f32>((u32(e) << 23u) | (mant & 0x7fffffu));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let co = i % p.packedChannels;
  let m = (i / p.packedChannels) * p.groupOutC + min(co, p.groupOutC - 1u);
  multipliers[i] = divideRounded(xScale[0] * wScale[m * p.wScaleStride], yScale[0]);
}
