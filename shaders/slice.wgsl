// Slice (ONNX Slice-13, unchanged through opset 17): a strided gather.
// One invocation per output element. Its coordinate c along dimension d reads input coordinate
// starts[d] + c * steps[d]; starts are already normalised and clamped, steps may be negative.
// Dimensions that are not sliced have start 0 and step 1. Elements are moved as raw 32-bit words.

struct Params {
  total: u32,
  rank: u32,
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  starts: array<vec4i, 2>,
  steps: array<vec4i, 2>,
  inStrides: array<vec4u, 2>,
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
  var source = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.outShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    let inputCoord = p.starts[d / 4][d % 4] + i32(coord) * p.steps[d / 4][d % 4];
    source += u32(inputCoord) * p.inStrides[d / 4][d % 4];
  }
  y[i] = x[source];
}
