// ImageToTensor: packed RGBA8 words (R in the low byte), rows of rowWords words, to NCHW float
// [1, 3, H, W] = pixel (0..255) * scale + bias per channel. One invocation per pixel.

struct Params {
  total: u32,     // H * W
  width: u32,
  height: u32,
  rowWords: u32,  // words per input row (>= width; texture copies pad rows to 256 bytes)
  scale: vec4f,   // per channel (R, G, B, unused)
  bias: vec4f,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let row = i / p.width;
  let col = i % p.width;
  let v = round(unpack4x8unorm(pixels[row * p.rowWords + col]) * 255.0) * p.scale + p.bias;
  y[i] = v.x;
  y[p.total + i] = v.y;
  y[2u * p.total + i] = v.z;
}
