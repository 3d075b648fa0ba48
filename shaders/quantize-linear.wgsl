// QuantizeLinear (ONNX QuantizeLinear-21, per tensor or per axis):
//   y[i] = saturate(round_half_to_even(x[i] / scale[c]) + zeroPoint[c]) to [qMin, qMax],
// c the index along the quantization axis: (i / inner) % channels (channels = 1 per tensor).
// Joined after shaders/quantize-division.wgsl (roundQuotientHalfToEven). Without a zero point
// (hasZeroPoint = 0) `zeroPoint` is bound to a scratch word and never read.

struct Params {
  total: u32,
  inner: u32,      // elements after the axis
  channels: u32,   // scales: 1 (per tensor) or the axis size
  hasZeroPoint: u32,
  qMin: f32,
  qMax: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> scale: array<f32>;
@group(0) @binding(3) var<storage, read_write> zeroPoint: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<i32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let c = (i / p.inner) % p.channels;
  var zero = 0.0;
  if (p.hasZeroPoint == 1u) { zero = f32(zeroPoint[c]); }
  // Below 2^24 the sum is exact; beyond it saturates whatever its rounding.
  y[i] = i32(clamp(roundQuotientHalfToEven(x[i], scale[c]) + zero, p.qMin, p.qMax));
}
