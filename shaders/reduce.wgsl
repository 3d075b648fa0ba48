// ReduceMean / ReduceMax / ReduceMin / ReduceSum over any set of axes (ONNX Reduce*-13/18), f32.
// One invocation per output element. Its coordinates over `keptShape` (the input shape with
// every reduced axis set to 1) give the first input element of its group; the group is then
// walked by splitting r in [0, reducedCount) into coordinates over `reducedShape` (the reduced
// axes' extents, 1 elsewhere), each times the input stride of its axis.
// Max/Min start from the group's first element (a group of -Inf gives -Inf, not the lowest
// finite f32) and propagate NaN through maxNan/minNan (the NaN rule in common.wgsl); Mean and Sum
// follow IEEE arithmetic.

struct Params {
  total: u32,
  rank: u32,
  reducedCount: u32,
  op: u32,                          // 0 Mean, 1 Max, 2 Min, 3 Sum
  keptShape: array<vec4u, 2>,       // up to rank 8, innermost last
  reducedShape: array<vec4u, 2>,
  inStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  var rest = i;
  var base = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.keptShape[d / 4][d % 4];
    base += (rest % extent) * p.inStrides[d / 4][d % 4];
    rest = rest / extent;
  }
  var acc = 0.0;
  // `base` is the group's first element (r = 0); Max and Min are never asked of an empty group.
  if (p.op == 1u || p.op == 2u) { acc = x[base]; }
  for (var r = 0u; r < p.reducedCount; r++) {
    var left = r;
    var at = base;
    for (var d = i32(p.rank) - 1; d >= 0; d--) {
      let extent = p.reducedShape[d / 4][d % 4];
      at += (left % extent) * p.inStrides[d / 4][d % 4];
      left = left / extent;
    }
    let v = x[at];
    switch p.op {
      case 1u: { acc = maxNan(acc, v); }
      case 2u: { acc = minNan(acc, v); }
      default: { acc += v; }
    }
  }
  if (p.op == 0u) { acc = acc / f32(p.reducedCount); }
  y[i] = acc;
}
