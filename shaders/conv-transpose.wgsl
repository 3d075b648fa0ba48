// ConvTranspose weight repack (ONNX opset 17 ConvTranspose; the gather kernel itself is generated in
// src/ops/conv-transpose.ts). W [C, M/group, kH, kW] becomes wt [kH, kW, C, Mpad]: for one tap and
// input channel, the output channels of the group are adjacent, so the gather kernel loads them as
// vec4s. Mpad is M/group rounded up to the gather kernel's channel block; the padding is zero.

struct Params {
  total: u32,                  // kH * kW * C * Mpad
  inChannels: u32,             // C
  groupOutChannels: u32,       // M / group
  paddedGroupOutChannels: u32, // Mpad
  kernel: vec2u,               // (kH, kW)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> wt: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let m = i % p.paddedGroupOutChannels;
  var rest = i / p.paddedGroupOutChannels;
  let c = rest % p.inChannels;
  let tap = rest / p.inChannels; // ky * kW + kx
  let taps = p.kernel.x * p.kernel.y;
  var value = 0.0;
  if (m < p.groupOutChannels) {
    value = w[(c * p.groupOutChannels + m) * taps + tap];
  }
  wt[i] = value;
}
