// ArgMax along one axis (ONNX ArgMax-13), the tensor seen as [outer, axisLen, inner].
// One invocation per line (outer, inner position), which is also its flat output index with or
// without keepdims. Consecutive invocations take consecutive inner positions: for class scores
// [N, K, H, W] along K they are neighbouring pixels, so each of the K loads is contiguous.
// The scan is seeded with the line's first element; a later element wins if it is greater (first
// maximum), or greater or equal with selectLastIndex (last maximum). NaN counts as greater than
// every number and equal to any NaN (the NaN rule in common.wgsl), so a line's first NaN wins, as
// torch.argmax picks, or its last one with selectLastIndex. Indices are written as i32.

struct Params {
  total: u32,            // lines: outer * inner
  axisLen: u32,          // length of each line (>= 1)
  inner: u32,            // stride between consecutive elements of a line
  selectLastIndex: u32,  // 1: ties go to the last maximum
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let outer = i / p.inner;
  let base = outer * p.axisLen * p.inner + i % p.inner;
  let lastWins = p.selectLastIndex == 1u;

  var best = x[base];
  var bestIndex = 0u;
  var at = base + p.inner;
  for (var k = 1u; k < p.axisLen; k++) {
    let v = x[at];
    // NaN is decided on bit tests: WGSL may compile comparisons assuming no NaN.
    let vNan = isNan(v);
    let bestNan = isNan(best);
    let greater = select(vNan || v > best, false, bestNan);
    let equal = select(!vNan && v == best, vNan, bestNan);
    if (greater || (lastWins && equal)) {
      best = v;
      bestIndex = k;
    }
    at += p.inner;
  }
  y[i] = i32(bestIndex);
}
