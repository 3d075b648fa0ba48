// Mul with a fused addend (segwgpu's extension of Mul, fused by src/passes/fuse-mul-add.ts;
// src/ops/arith.ts): y = full * other + addend, the multiply in binary-broadcast.wgsl's vec4 form
// (other's element for flat output index i is (i / inner) % count), the addend of the output's
// full shape. A squeeze-and-excitation scale followed by a skip connection, in one pass.

struct Params {
  total4: u32,   // total / 4
  inner: u32,    // output elements per step of the broadcast operand
  count: u32,    // elements of the broadcast operand
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> full: array<vec4f>;
@group(0) @binding(2) var<storage, read> other: array<f32>;
@group(0) @binding(3) var<storage, read> addend: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total4) { return; }
  let first = 4u * i;
  var b: vec4f;
  if (p.inner == 1u) {
    b = vec4f(other[first % p.count], other[(first + 1u) % p.count], other[(first + 2u) % p.count], other[(first + 3u) % p.count]);
  } else {
    b = vec4f(other[(first / p.inner) % p.count]);
  }
  y[i] = full[i] * b + addend[i];
}
