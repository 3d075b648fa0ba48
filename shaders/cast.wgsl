// Cast (ONNX Cast-13) between the GPU's two word types. int64 and int32 are both i32 words here,
// so a cast between them is a copy (the runtime range-checks int64 on upload).
//   mode 0: copy the word; 1: f32 -> i32, rounding toward zero (WGSL clamps out-of-range values);
//   mode 2: i32 -> f32.

struct Params {
  total: u32,
  mode: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let word = x[i];
  switch p.mode {
    case 1u: { y[i] = bitcast<u32>(i32(trunc(bitcast<f32>(word)))); }
    case 2u: { y[i] = bitcast<u32>(f32(bitcast<i32>(word))); }
    default: { y[i] = word; }
  }
}
