// Gather (ONNX Gather-13) along one axis. The data is seen as [outer, axisLen, inner] and the
// output as [outer, indexCount, inner]: output (o, j, k) reads data (o, indices[j], k).
// Negative indices count from the end of the axis. An index outside [-axisLen, axisLen) is an
// error: constant ones are refused before any GPU work; for indices computed at run time,
// invocation j records index j's fault (shaders/index-fault.wgsl, joined in front), and every
// read clamps the index into the axis so nothing is read out of bounds.
// Data moves as raw 32-bit words (f32 or i32); indices arrive as i32 (int64 narrowed by the runtime).

struct Params {
  total: u32,       // output elements
  inner: u32,
  axisLen: u32,
  indexCount: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;
@group(0) @binding(4) var<storage, read_write> fault: IndexFault;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  // max: the checks run even where the output is empty (an empty outer or inner part).
  if (i >= max(p.total, p.indexCount)) { return; }
  if (i < p.indexCount) {
    let checked = indices[i];
    if (checked < -i32(p.axisLen) || checked >= i32(p.axisLen)) { recordIndexFault(i); }
  }
  if (i >= p.total) { return; }
  let k = i % p.inner;
  let j = (i / p.inner) % p.indexCount;
  let o = i / (p.inner * p.indexCount);
  var index = indices[j];
  if (index < 0) { index += i32(p.axisLen); }
  let row = u32(clamp(index, 0, max(i32(p.axisLen) - 1, 0)));
  y[i] = x[(o * p.axisLen + row) * p.inner + k];
}
