// DynamicQuantizeLinear, part 2: y = clip(round_half_to_even(x / scale) + zeroPoint, 0, 255) with
// the scale and zero point that shaders/dynamic-quantize-range.wgsl left in statistics[2] and statistics[3];
// invocation 0 also stores them as the y_scale and y_zero_point outputs. Joined after
// shaders/quantize-division.wgsl.

struct Params {
  total: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> statistics: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;
@group(0) @binding(4) var<storage, read_write> yScale: array<f32>;
@group(0) @binding(5) var<storage, read_write> yZeroPoint: array<i32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let scale = statistics[2];
  let zero = statistics[3];
  y[i] = i32(clamp(roundQuotientHalfToEven(x[i], scale) + zero, 0.0, 255.0));
  if (i == 0u) {
    yScale[0] = scale;
    yZeroPoint[0] = i32(zero);
  }
}
