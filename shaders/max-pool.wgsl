// MaxPool 2D, NCHW (ONNX MaxPool-12), with the Indices output.
// One invocation per output element scans its window row-major. Taps in the padding are skipped;
// the first in-input tap is always taken and later taps only win when strictly larger, so ties go
// to the first maximum in scan order. A NaN always wins, over an earlier NaN too, so a window with a
// NaN gives NaN and the index of its last NaN, as torch's max_pool2d (`val > max || isnan(val)`;
// NaN rule in common.wgsl). Indices are flat over the whole input: ((n*C + c)*H + h)*W + w.

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
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

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
  var best = LOWEST_F32;
  var bestIndex = -1;
  for (var kh = 0u; kh < p.kernelH; kh++) {
    let h = h0 + i32(kh * p.dilationH);
    if (h < 0 || h >= i32(p.inH)) { continue; }
    let row = (plane * p.inH + u32(h)) * p.inW;
    for (var kw = 0u; kw < p.kernelW; kw++) {
      let w = w0 + i32(kw * p.dilationW);
      if (w < 0 || w >= i32(p.inW)) { continue; }
      let at = row + u32(w);
      let v = x[at];
      // Bit tests, not `v > best`, decide for NaN: WGSL may compile comparisons assuming no NaN.
      if (bestIndex < 0 || isNan(v) || (!isNan(best) && v > best)) {
        best = v;
        bestIndex = i32(at);
      }
    }
  }
  y[i] = best;
  indices[i] = bestIndex;
}
