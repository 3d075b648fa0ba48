// DynamicQuantizeLinear, part 1: the range [min(0, min(x)), max(0, max(x))] of the whole tensor, in
// as many dispatches of this kernel as it takes (src/ops/quantize.ts chains them, ping-ponging
// two scratch buffers). Each workgroup reduces WG * PER_INVOCATION values of `src` (x itself, or
// the (min, max) pairs of the step before) to one pair in `dst`: every invocation folds
// PER_INVOCATION values read WG apart (neighbouring invocations read neighbouring words), then a
// tree over workgroup memory.
// The ranges start at 0, which the spec's range always includes; out-of-range invocations re-read
// the last value, which adds nothing. They still run to the end, because every invocation must
// reach the barriers (hence no early bounds guard: the loads are clamped and the store guarded).
// The last step (finish = 1, one workgroup) also derives, exactly as the ONNX reference does in
// float32, scale = (max - min) / 255 (1 / 255 when max == min) and the zero point
// round_half_to_even(clip(0 - min / scale, 0, 255)), stored after the pair: dst = [min, max,
// scale, zero point]. Joined after shaders/quantize-division.wgsl.

struct Params {
  count: u32,          // values in src (elements of x, or pairs)
  groups: u32,         // workgroups that store a pair (the dispatch may be padded when folded)
  sourceIsPairs: u32,
  finish: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

const WG = 64u;
const PER_INVOCATION = 16u;

var<workgroup> lows: array<f32, WG>;
var<workgroup> highs: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = (wid.z * nwg.y + wid.y) * nwg.x + wid.x;
  var low = 0.0;
  var high = 0.0;
  let first = group * WG * PER_INVOCATION + lid;
  // Uniforms copied into locals and the source kind tested once: SwiftShader reloads uniforms in loops.
  let count = p.count;
  if (p.sourceIsPairs == 1u) {
    for (var k = 0u; k < PER_INVOCATION; k++) {
      let j = min(first + k * WG, count - 1u);
      low = min(low, src[2u * j]);
      high = max(high, src[2u * j + 1u]);
    }
  } else {
    for (var k = 0u; k < PER_INVOCATION; k++) {
      // Past the end, the last value again: it is in the range already.
      let v = src[min(first + k * WG, count - 1u)];
      low = min(low, v);
      high = max(high, v);
    }
  }
  lows[lid] = low;
  highs[lid] = high;
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    workgroupBarrier();
    if (lid < stride) {
      lows[lid] = min(lows[lid], lows[lid + stride]);
      highs[lid] = max(highs[lid], highs[lid + stride]);
    }
  }
  if (lid != 0u || group >= p.groups) { return; }
  let minimum = lows[0];
  let maximum = highs[0];
  dst[2u * group] = minimum;
  dst[2u * group + 1u] = maximum;
  if (p.finish == 1u) {
    let scale = divideCorrectlyRounded(select(maximum - minimum, 1.0, maximum == minimum), 255.0);
    dst[2] = scale;
    dst[3] = clamp(roundQuotientHalfToEven(-minimum, scale), 0.0, 255.0);
  }
}
