// Strided copy: the one data-movement kernel behind Identity, Dropout (inference), Reshape,
// Flatten, Squeeze, Unsqueeze (plain copies: rank 1, stride 1), Transpose (the input strides
// permuted into output order) and Expand (stride 0 along broadcast dimensions).
// One invocation per output element: the flat output index is split into coordinates over
// `outShape`, and the input is read at the sum of coordinate * inStrides.
// Elements move as raw 32-bit words, so f32 and i32 tensors are copied bit for bit.

struct Params {
  total: u32,
  rank: u32,
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  inStrides: array<vec4u, 2>,   // input element stride per OUTPUT dimension
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  var rest = i;
  var at = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.outShape[d / 4][d % 4];
    at += (rest % extent) * p.inStrides[d / 4][d % 4];
    rest = rest / extent;
  }
  y[i] = x[at];
}
