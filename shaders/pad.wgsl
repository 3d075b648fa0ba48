// Pad (ONNX Pad-18 / Pad-13 semantics; modes constant, reflect, edge).
// Negative pads crop: the input is first cut to the window [cropStart, cropStart + inShape) along
// every dimension, and that window is what gets padded (as ONNX Runtime does). One invocation per
// output element: its coordinate c along dimension d is window coordinate j = c - padBefore[d];
// outside [0, n) it becomes the constant (mode 0), the nearest edge (mode 2), or its mirror image
// about the edge element (mode 1; the op checks that pads never exceed n - 1 there).
// Elements are moved as raw 32-bit words, so `fill` holds the constant's bit pattern.

struct Params {
  total: u32,
  rank: u32,
  mode: u32,                    // 0 constant, 1 reflect, 2 edge
  fill: u32,                    // bits of constant_value (f32 or i32)
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  inShape: array<vec4u, 2>,     // extents of the cropped window n
  cropStart: array<vec4u, 2>,
  padBefore: array<vec4u, 2>,
  inStrides: array<vec4u, 2>,   // strides of the full, uncropped input
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;
const CONSTANT = 0u;
const EDGE = 2u;

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
    let n = i32(p.inShape[d / 4][d % 4]);
    var j = i32(coord) - i32(p.padBefore[d / 4][d % 4]);
    if (j < 0 || j >= n) {
      if (p.mode == CONSTANT) {
        y[i] = p.fill;
        return;
      }
      if (p.mode == EDGE) {
        j = clamp(j, 0, n - 1);
      } else {
        j = select(2 * (n - 1) - j, -j, j < 0);
      }
    }
    let inputCoord = u32(j) + p.cropStart[d / 4][d % 4];
    source += inputCoord * p.inStrides[d / 4][d % 4];
  }
  y[i] = x[source];
}
