// BatchNormalization, inference (ONNX BatchNormalization-15): per channel c (axis 1),
//   y = scale[c] * (x - mean[c]) / sqrt(variance[c] + epsilon) + bias[c].
// One invocation per element of X, seen as [N, channels, inner].

struct Params {
  total: u32,     // elements of X
  channels: u32,  // C
  inner: u32,     // product of the dimensions after the channel axis (1 for rank 2)
  epsilon: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> scale: array<f32>;
@group(0) @binding(3) var<storage, read_write> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> variance: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let c = (i / p.inner) % p.channels;
  y[i] = scale[c] * (x[i] - mean[c]) / sqrt(variance[c] + p.epsilon) + bias[c];
}
