// Softmax along one axis (ONNX Softmax-13), the tensor seen as [outer, axisLen, inner].
// One invocation per line (outer, inner position); consecutive invocations take consecutive inner
// positions, so for a non-last axis (NCHW channels) their loads are neighbours at every step.
// Three passes over the line: the maximum (from its first element), then e = exp(x - max) written
// to y and summed, then y = e / sum. Subtracting the maximum keeps every exp() argument <= 0.
// A line whose maximum is not finite is all NaN, written as such (the NaN rule in common.wgsl,
// torch's results): a NaN anywhere makes the maximum NaN (maxNan); a maximum of +Inf makes
// exp(inf - inf) NaN and so the sum; a line of -Inf has -inf - -inf = NaN everywhere. Left to the
// float operations, SwiftShader's fast math let e / NaN come out 0.

struct Params {
  total: u32,    // lines: outer * inner
  axisLen: u32,  // length of each line
  inner: u32,    // stride between consecutive elements of a line
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let outer = i / p.inner;
  let base = outer * p.axisLen * p.inner + i % p.inner;
  let end = base + p.axisLen * p.inner;

  var m = x[base];
  for (var at = base + p.inner; at < end; at += p.inner) {
    m = maxNan(m, x[at]);
  }
  if (!isFiniteF32(m)) {
    let nan = nanF32();
    for (var at = base; at < end; at += p.inner) {
      y[at] = nan;
    }
    return;
  }
  var sum = 0.0;
  for (var at = base; at < end; at += p.inner) {
    let e = exp(x[at] - m);
    y[at] = e;
    sum += e;
  }
  for (var at = base; at < end; at += p.inner) {
    y[at] = y[at] / sum;
  }
}
