// AveragePool 2D, NCHW (ONNX AveragePool-11, plus the dilations of AveragePool-19); also serves
// GlobalAveragePool as a window of the whole plane (kernel H x W, stride 1, no padding).
// One invocation per output element sums the in-input taps of its window, row-major. Divisor:
//   countIncludePad = 0: the number of in-input taps;
//   countIncludePad = 1: the number of taps inside the padded extent [-pad_begin, size + pad_end)
//     on both axes: pads count, but not the area past the end padding that ceil_mode may add
//     (PyTorch's and onnxruntime's rule).

struct Params {
  total: u32,       // N * C * outH * outW
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  kernelH: u32,
  kernelW: u32,
  strideH: u32,
  strideW: u32,
  dilationH: u32,
  dilationW: u32,
  padTop: u32,
  padLeft: u32,
  padBottom: u32,
  padRight: u32,
  countIncludePad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let ow = i % p.outW;
  let oh = (i / p.outW) % p.outH;
  let plane = i / (p.outW * p.outH);   // n * C + c
  let h0 = i32(oh * p.strideH) - i32(p.padTop);
  let w0 = i32(ow * p.strideW) - i32(p.padLeft);
  let paddedEndH = i32(p.inH + p.padBottom);
  let paddedEndW = i32(p.inW + p.padRight);
  var sum = 0.0;
  var inputCount = 0u;
  var paddedCount = 0u;
  for (var kh = 0u; kh < p.kernelH; kh++) {
    let h = h0 + i32(kh * p.dilationH);
    if (h >= paddedEndH) { break; }
    let hInside = h >= 0 && h < i32(p.inH);
    for (var kw = 0u; kw < p.kernelW; kw++) {
      let w = w0 + i32(kw * p.dilationW);
      if (w >= paddedEndW) { break; }
      paddedCount++;
      if (hInside && w >= 0 && w < i32(p.inW)) {
        sum += x[(plane * p.inH + u32(h)) * p.inW + u32(w)];
        inputCount++;
      }
    }
  }
  let divisor = select(inputCount, paddedCount, p.countIncludePad == 1u);
  // divisor is 0 only for a window with no input element and countIncludePad = 0, which the op
  // rejects before running; keep the division defined anyway.
  y[i] = select(0.0, sum / f32(divisor), divisor > 0u);
}
