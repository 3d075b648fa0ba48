// RoiAlign (ONNX opset 16/17), following the ONNX reference / onnxruntime (see src/ops/roi-align.ts).
// One invocation per output element (roi, c, ph, pw): it recomputes its ROI's geometry in f32 from
// the rois buffer and walks its bin's grid_h x grid_w sampling grid. Each sample is a bilinear
// read; a sample outside [-1, H] x [-1, W] contributes 0. avg: the sum over samples divided by
// max(grid_h * grid_w, 1). max: per sample the max of the four WEIGHTED corner terms, then the max
// over the samples (onnxruntime's definition), 0 for a bin without samples.
// A batch index outside [0, N) is an error (as in onnxruntime): the roi's first output element
// records it in the index fault record (shaders/index-fault.wgsl, joined in front; the run is then
// refused), and the roi's outputs are written as 0 rather than read out of bounds.

struct Params {
  total: u32,
  batch: u32,
  channels: u32,
  height: u32,
  width: u32,
  outH: u32,
  outW: u32,
  samplingRatio: u32,  // 0: adaptive, ceil(roi_size / out_size)
  isMax: u32,          // 0 avg, 1 max
  halfPixel: u32,      // 1 half_pixel (shift by -0.5), 0 output_half_pixel (roi at least 1x1)
  spatialScale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> rois: array<f32>;
@group(0) @binding(3) var<storage, read_write> batchIndices: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> fault: IndexFault;

const WG = 64u;

struct AxisGeometry {
  start: f32,
  bin: f32,
  grid: i32,   // samples per bin; <= 0 for an empty (malformed half_pixel) roi
}

fn axisGeometry(c1: f32, c2: f32, outLen: u32) -> AxisGeometry {
  let offset = select(0.0, 0.5, p.halfPixel == 1u);
  let start = c1 * p.spatialScale - offset;
  let end = c2 * p.spatialScale - offset;
  var size = end - start;
  if (p.halfPixel == 0u) { size = max(size, 1.0); }
  let bin = size / f32(outLen);
  var grid = i32(p.samplingRatio);
  if (grid == 0) { grid = i32(ceil(size / f32(outLen))); }
  return AxisGeometry(start, bin, grid);
}

fn samplePosition(g: AxisGeometry, bin: u32, i: i32) -> f32 {
  return g.start + f32(bin) * g.bin + (f32(i) + 0.5) * g.bin / f32(g.grid);
}

// The four weighted corner terms w_k * v_k of one bilinear sample; all 0 outside [-1, H] x [-1, W].
fn weightedCorners(plane: u32, sy: f32, sx: f32) -> vec4f {
  let h = p.height;
  let w = p.width;
  if (sy < -1.0 || sy > f32(h) || sx < -1.0 || sx > f32(w)) { return vec4f(0.0); }
  var yy = max(sy, 0.0);
  var xx = max(sx, 0.0);
  var yLow = u32(yy);
  var xLow = u32(xx);
  var yHigh = yLow + 1u;
  var xHigh = xLow + 1u;
  if (yLow >= h - 1u) {
    yLow = h - 1u;
    yHigh = yLow;
    yy = f32(yLow);
  }
  if (xLow >= w - 1u) {
    xLow = w - 1u;
    xHigh = xLow;
    xx = f32(xLow);
  }
  let ly = yy - f32(yLow);
  let lx = xx - f32(xLow);
  let hy = 1.0 - ly;
  let hx = 1.0 - lx;
  let weights = vec4f(hy * hx, hy * lx, ly * hx, ly * lx);
  let values = vec4f(x[plane + yLow * w + xLow], x[plane + yLow * w + xHigh],
                     x[plane + yHigh * w + xLow], x[plane + yHigh * w + xHigh]);
  return weights * values;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let pw = i % p.outW;
  var rest = i / p.outW;
  let ph = rest % p.outH;
  rest = rest / p.outH;
  let c = rest % p.channels;
  let r = rest / p.channels;

  let b = batchIndices[r];
  if (b < 0 || u32(b) >= p.batch) {  // only reachable for batch indices unknown at planning time
    // One invocation per roi records it, so the count is of bad batch indices.
    if (c == 0u && ph == 0u && pw == 0u) { recordIndexFault(r); }
    y[i] = 0.0;
    return;
  }
  let gx = axisGeometry(rois[4u * r], rois[4u * r + 2u], p.outW);
  let gy = axisGeometry(rois[4u * r + 1u], rois[4u * r + 3u], p.outH);
  let plane = (u32(b) * p.channels + c) * p.height * p.width;

  var sum = 0.0;
  var best = 0.0;
  var first = true;
  for (var iy = 0; iy < gy.grid; iy++) {
    let sy = samplePosition(gy, ph, iy);
    for (var ix = 0; ix < gx.grid; ix++) {
      let sx = samplePosition(gx, pw, ix);
      let terms = weightedCorners(plane, sy, sx);
      sum += terms.x + terms.y + terms.z + terms.w;
      let sampleMax = max(max(terms.x, terms.y), max(terms.z, terms.w));
      best = select(max(best, sampleMax), sampleMax, first);
      first = false;
    }
  }
  if (p.isMax == 1u) {
    y[i] = best;
  } else {
    y[i] = sum / f32(max(gy.grid * gx.grid, 1));
  }
}
