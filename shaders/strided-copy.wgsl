// Strided copy: the one data-movement kernel behind Identity, Dropout (inference), Reshape,
// Flatten, Squeeze, Unsqueeze (plain copies: rank 1, stride 1), Transpose (the input strides
// permuted into output order), Expand (stride 0 along broadcast dimensions) and Slice (a base
// offset at the starts, strides scaled by the steps, negative for negative steps).
// One invocation per output element: the flat output index is split into coordinates over
// `outShape`, and the input is read at base + the sum of coordinate * inStrides.
// Elements move as raw 32-bit words, so f32 and i32 tensors are copied bit for bit.

struct Params {
  total: u32,
  rank: u32,
  base: u32,                    // input element of output element 0
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  inStrides: array<vec4i, 2>,   // input element stride per OUTPUT dimension (signed)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  var rest = i;
  var at = i32(p.base);
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.outShape[d / 4][d % 4];
    at += i32(rest % extent) * p.inStrides[d / 4][d % 4];
    rest = rest / extent;
  }
  y[i] = x[u32(at)];
}
