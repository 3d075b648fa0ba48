// DequantizeLinear (ONNX DequantizeLinear-21, per tensor or per axis):
//   y[i] = f32(x[i] - zeroPoint[c]) * scale[c], c = (i / inner) % channels (1 per tensor).
// The difference of two 16-bit values is exact in f32, and the product is one correctly rounded
// f32 multiplication, as the CPU reference computes it. Without a zero point (hasZeroPoint = 0)
// `zeroPoint` is bound to a scratch word and never read.

struct Params {
  total: u32,
  inner: u32,
  channels: u32,
  hasZeroPoint: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> scale: array<f32>;
@group(0) @binding(3) var<storage, read_write> zeroPoint: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let c = (i / p.inner) % p.channels;
  var zero = 0;
  if (p.hasZeroPoint == 1u) { zero = zeroPoint[c]; }
  y[i] = f32(x[i] - zero) * scale[c];
}
