// GlobalAveragePool (ONNX GlobalAveragePool-1) as sums of contiguous segments of planes; see
// src/ops/average-pool.ts for the two passes that use it. One invocation sums one segment of one
// plane and writes sum / divisor (divisor 1 for a partial sum, H * W for the mean).
// src/ops/average-pool.ts prepends the element type, `alias Element = vec4f;` (planes read as
// vec4s) or `alias Element = f32;`, `fn horizontalSum(s: Element) -> f32`, which adds up a vec4's
// components as (x + y) + (z + w), and `fn load(k: u32) -> Element`: x[k], or x[k] + x2[k] for
// the mean of a fused Add (segwgpu's second input, from src/passes/fuse-pooled-add.ts).
// Four interleaved accumulators make a quarter of the loop trips, which cost more than the adds on
// SwiftShader; the order of the additions depends only on the shapes.

struct Params {
  total: u32,     // planes * chunks: one invocation per segment
  length: u32,    // Elements per plane
  chunks: u32,    // segments per plane
  segment: u32,   // Elements per segment (the last one may be shorter, or empty)
  divisor: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<Element>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let chunk = i % p.chunks;
  let plane = i / p.chunks;
  let end = plane * p.length + min((chunk + 1u) * p.segment, p.length);
  var k = plane * p.length + chunk * p.segment;
  var s0 = Element(0.0);
  var s1 = Element(0.0);
  var s2 = Element(0.0);
  var s3 = Element(0.0);
  for (; k + 4u <= end; k += 4u) {
    s0 += load(k);
    s1 += load(k + 1u);
    s2 += load(k + 2u);
    s3 += load(k + 3u);
  }
  for (; k < end; k++) { s0 += load(k); }
  y[i] = horizontalSum((s0 + s1) + (s2 + s3)) / p.divisor;
}
