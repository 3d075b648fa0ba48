// MaxUnpool (ONNX MaxUnpool-11): y.flat[indices[k]] = x[k], zero elsewhere.
// Run twice: phase 0 zeroes the output (one invocation per output element), phase 1 scatters
// (one invocation per input element). Indices outside [0, outTotal) are errors: in a graph they
// come from a MaxPool and are not known when planning, so the scatter records them in the index
// fault record (shaders/index-fault.wgsl, joined in front; the run is then refused) and skips them,
// never writing out of bounds. Colliding indices from overlapping MaxPool windows carry equal
// values, so the scatter is deterministic for them.

struct Params {
  total: u32,       // invocations in this phase: output elements (0) or input elements (1)
  phase: u32,       // 0 zero the output, 1 scatter
  outTotal: u32,    // output elements
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> fault: IndexFault;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (p.phase == 0u) {
    y[i] = 0.0;
    return;
  }
  let at = indices[i];
  if (at < 0 || u32(at) >= p.outTotal) {
    recordIndexFault(i);
    return;
  }
  y[u32(at)] = x[i];
}
