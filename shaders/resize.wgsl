// Resize (ONNX opset 17) over the last two axes: nearest or bilinear.
// One invocation per block of up to ROWS rows x 4 consecutive columns of outputs: the columns'
// source taps are computed once for all the rows, and each row's once for its 4 outputs. The
// invocation index is split into (plane, row block, run), where a plane is one H x W image (N*C
// of them for NCHW). MODE, COORD_MODE and NEAREST_MODE are constants that
// src/ops/resize.ts prepends per variant: on CPU-like adapters a switch on a uniform costs a
// branch per output, a constant folds away. Each output coordinate is mapped back to a source
// coordinate by the coordinate transformation mode, in f32 and in the same order of operations
// as onnxruntime and the CPU reference, so nearest picks the same pixel on ties; nearest mode
// divides exactly (divNearest), since GPUs' f32 division is not correctly rounded.
// src/ops/resize.ts also prepends the output binding `y` and `fn store4(dst, v0, v1, v2, v3,
// count)`, which stores the first `count` of four consecutive outputs: as one vec4 where every
// row is a multiple of 4 long (y an array of vec4s; every run is whole), else as guarded scalars.

struct Params {
  total: u32,         // invocations: planes * ceil(outH / ROWS) * ceil(outW / 4)
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  scaleH: f32,        // the given scale, or f32(out / in) when sizes were given
  scaleW: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;

const WG = 64u;
const ROWS = 4u;  // output rows per invocation (RESIZE_ROWS in src/ops/resize.ts)

// a / b rounded to the nearest f32 (ties to even), as IEEE division on the CPU gives it, for a >= 0
// and b > 0. WGSL lets `/` be off by 2.5 ULP, and GPUs multiply by an approximate reciprocal: on
// NVIDIA 2 / f32(4/7) gives 3.5 where the rounded quotient is 3.4999998, so round_prefer_ceil
// picked pixel 4 instead of 3. Nearest mode therefore divides the significands bit by bit here;
// linear mode keeps `/` (an ULP in a weight is far inside its tolerance).
fn divNearest(a: f32, b: f32) -> f32 {
  let ua = bitcast<u32>(a);
  let ub = bitcast<u32>(b);
  let ea = i32(ua >> 23u);  // biased exponents; a, b > 0 so the sign bits are 0
  let eb = i32(ub >> 23u);
  // Zero, negative, subnormal, infinite or NaN operands are no coordinates to round: plain `/`.
  if (!(a > 0.0) || !(b > 0.0) || ea == 0 || eb == 0 || ea == 255 || eb == 255) { return a / b; }
  var rem = (ua & 0x7fffffu) | 0x800000u;
  let mb = (ub & 0x7fffffu) | 0x800000u;
  var e = ea - eb + 127;  // biased exponent of the quotient, once rem / mb is in [1, 2)
  if (rem < mb) {
    rem = rem << 1u;
    e = e - 1;
  }
  // 25 quotient bits (24 significand bits and a rounding bit); rem stays under 2 * mb < 2^25.
  var q = 0u;
  for (var i = 0u; i < 25u; i++) {
    q = q << 1u;
    if (rem >= mb) {
      rem = rem - mb;
      q = q | 1u;
    }
    rem = rem << 1u;
  }
  var m = q >> 1u;
  if ((q & 1u) == 1u && (rem != 0u || (m & 1u) == 1u)) { m = m + 1u; }  // to nearest, ties to even
  if (m == 0x1000000u) {
    m = m >> 1u;
    e = e + 1;
  }
  if (e <= 0 || e >= 255) { return a / b; }
  return bitcast<f32>((u32(e) << 23u) | (m & 0x7fffffu));
}

fn divide(a: f32, b: f32) -> f32 {
  if (MODE == 0u) { return divNearest(a, b); }
  return a / b;
}

// x_original for output coordinate xOut along an axis of lenIn -> lenOut.
fn sourceCoordinate(xOut: u32, scale: f32, lenIn: u32, lenOut: u32) -> f32 {
  let xr = f32(xOut);
  switch COORD_MODE {  // 0 half_pixel, 1 pytorch_half_pixel, 2 align_corners, 3 asymmetric, 4 tf_half_pixel_for_nn
    case 1u: {  // pytorch_half_pixel
      if (lenOut > 1u) { return divide(xr + 0.5, scale) - 0.5; }
      return 0.0;
    }
    case 2u: {  // align_corners
      if (lenOut == 1u) { return 0.0; }
      return divide(xr * f32(lenIn - 1u), f32(lenOut - 1u));
    }
    case 3u: { return divide(xr, scale); }            // asymmetric
    case 4u: { return divide(xr + 0.5, scale); }      // tf_half_pixel_for_nn
    default: { return divide(xr + 0.5, scale) - 0.5; }  // half_pixel
  }
}

// The nearest source index by nearest_mode, clamped into [0, lenIn - 1]. Ties are detected on the
// exact fraction c - floor(c), not by floor(c + 0.5), which can round up across a tie.
fn nearestIndex(c: f32, lenIn: u32) -> u32 {
  let lower = floor(c);
  let frac = c - lower;
  var r = lower;
  switch NEAREST_MODE {  // 0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil
    case 0u: { r = select(lower, lower + 1.0, frac > 0.5); }   // round_prefer_floor
    case 1u: { r = select(lower, lower + 1.0, frac >= 0.5); }  // round_prefer_ceil
    case 2u: { r = lower; }                                    // floor
    default: { r = ceil(c); }                                  // ceil
  }
  return u32(clamp(r, 0.0, f32(lenIn - 1u)));
}

struct Taps {
  i0: u32,
  i1: u32,
  t: f32,   // weight of i1
}

// Linear taps: the source coordinate is clamped into [0, lenIn - 1] first (onnxruntime, and the
// ONNX reference's edge padding), so both taps are always inside the image.
fn linearTaps(c: f32, lenIn: u32) -> Taps {
  let clamped = clamp(c, 0.0, f32(lenIn - 1u));
  let i0 = min(u32(floor(clamped)), lenIn - 1u);
  let i1 = min(i0 + 1u, lenIn - 1u);
  return Taps(i0, i1, clamped - f32(i0));
}

// (1 - t) * a + t * b, where a tap of weight 0 adds nothing: an output on an input sample is that
// sample, infinities included (0 * inf would be NaN; src/ops/resize.ts states the rule).
fn lerpTaps(a: f32, b: f32, t: f32) -> f32 {
  return select((1.0 - t) * a + t * b, a, t == 0.0);
}

// A bilinear output from rows row0/row1 (vertical weight ty) and the column taps tx.
fn bilinear(row0: u32, row1: u32, tx: Taps, ty: f32) -> f32 {
  let top = lerpTaps(x[row0 + tx.i0], x[row0 + tx.i1], tx.t);
  let bottom = lerpTaps(x[row1 + tx.i0], x[row1 + tx.i1], tx.t);
  return lerpTaps(top, bottom, ty);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let runsPerRow = (p.outW + 3u) / 4u;
  let rowBlocks = (p.outH + ROWS - 1u) / ROWS;
  let ox0 = (i % runsPerRow) * 4u;
  let rest = i / runsPerRow;
  let oy0 = (rest % rowBlocks) * ROWS;
  let plane = rest / rowBlocks;
  let base = plane * p.inH * p.inW;
  let count = min(4u, p.outW - ox0);
  let rows = min(ROWS, p.outH - oy0);
  // The run's columns (a short run repeats its last one; those outputs are not stored).
  let ox1 = min(ox0 + 1u, p.outW - 1u);
  let ox2 = min(ox0 + 2u, p.outW - 1u);
  let ox3 = min(ox0 + 3u, p.outW - 1u);
  if (MODE == 0u) {
    let n0 = nearestIndex(sourceCoordinate(ox0, p.scaleW, p.inW, p.outW), p.inW);
    let n1 = nearestIndex(sourceCoordinate(ox1, p.scaleW, p.inW, p.outW), p.inW);
    let n2 = nearestIndex(sourceCoordinate(ox2, p.scaleW, p.inW, p.outW), p.inW);
    let n3 = nearestIndex(sourceCoordinate(ox3, p.scaleW, p.inW, p.outW), p.inW);
    for (var r = 0u; r < rows; r++) {
      let oy = oy0 + r;
      let row = base + nearestIndex(sourceCoordinate(oy, p.scaleH, p.inH, p.outH), p.inH) * p.inW;
      store4((plane * p.outH + oy) * p.outW + ox0, x[row + n0], x[row + n1], x[row + n2], x[row + n3], count);
    }
    return;
  }
  let t0 = linearTaps(sourceCoordinate(ox0, p.scaleW, p.inW, p.outW), p.inW);
  let t1 = linearTaps(sourceCoordinate(ox1, p.scaleW, p.inW, p.outW), p.inW);
  let t2 = linearTaps(sourceCoordinate(ox2, p.scaleW, p.inW, p.outW), p.inW);
  let t3 = linearTaps(sourceCoordinate(ox3, p.scaleW, p.inW, p.outW), p.inW);
  for (var r = 0u; r < rows; r++) {
    let oy = oy0 + r;
    let ty = linearTaps(sourceCoordinate(oy, p.scaleH, p.inH, p.outH), p.inH);
    let row0 = base + ty.i0 * p.inW;
    let row1 = base + ty.i1 * p.inW;
    let v0 = bilinear(row0, row1, t0, ty.t);
    let v1 = bilinear(row0, row1, t1, ty.t);
    let v2 = bilinear(row0, row1, t2, ty.t);
    let v3 = bilinear(row0, row1, t3, ty.t);
    store4((plane * p.outH + oy) * p.outW + ox0, v0, v1, v2, v3, count);
  }
}
