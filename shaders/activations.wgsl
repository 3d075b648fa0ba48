// Relu, Sigmoid, HardSigmoid, HardSwish, Clip, LeakyRelu (ONNX opset 17) as standalone ops.
// One invocation per vec4 of elements; the activation is chosen by `act` (the codes of
// applyActivation() in common.wgsl). Storage buffers are allocated in whole 16-byte units
// (src/gpu/buffers.ts), so the last vec4 may always be read; when the element count is not a
// multiple of 4 it writes only the lanes that hold elements, leaving the padding untouched.

struct Params {
  total: u32,      // vec4 groups: ceil(count / 4)
  count: u32,      // elements
  act: u32,
  actAlpha: f32,   // HardSigmoid alpha, Clip min, LeakyRelu alpha
  actBeta: f32,    // HardSigmoid beta, Clip max
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let v = applyActivation4(x[i], p.act, p.actAlpha, p.actBeta);
  let first = 4u * i;
  if (first + 4u <= p.count) {
    y[i] = v;
    return;
  }
  for (var k = 0u; k < p.count - first; k++) {
    y[i][k] = v[k];
  }
}
