// ImageToTensor: packed RGBA8 words (R in the low byte), rows of rowWords words, to NCHW float
// [1, 3, outHeight, outWidth] = pixel (0..255) * scale + bias per channel, resized bilinearly with
// half-pixel centres and clamped edges when the output size differs (an identity when it does
// not: every source coordinate then lands on a pixel). One invocation per output pixel.

struct Params {
  total: u32,     // H * W
  width: u32,
  height: u32,
  rowWords: u32,  // words per input row (>= width; texture copies pad rows to 256 bytes)
  outWidth: u32,
  outHeight: u32,
  ratioX: f32,    // width / outWidth
  ratioY: f32,    // height / outHeight
  scale: vec4f,   // per channel (R, G, B, unused)
  bias: vec4f,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> pixels: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 64u;

// The four bytes of a packed pixel as exact integers 0..255 (unpack4x8unorm's v / 255 would not
// come back to v exactly after * 255).
fn rgba(word: u32) -> vec4f {
  return vec4f(vec4u(word & 255u, (word >> 8u) & 255u, (word >> 16u) & 255u, word >> 24u));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let ox = i % p.outWidth;
  let oy = i / p.outWidth;
  let sx = clamp((f32(ox) + 0.5) * p.ratioX - 0.5, 0.0, f32(p.width - 1u));
  let sy = clamp((f32(oy) + 0.5) * p.ratioY - 0.5, 0.0, f32(p.height - 1u));
  let x0 = u32(sx);
  let y0 = u32(sy);
  let x1 = min(x0 + 1u, p.width - 1u);
  let y1 = min(y0 + 1u, p.height - 1u);
  let tx = sx - f32(x0);
  let ty = sy - f32(y0);
  let top = mix(rgba(pixels[y0 * p.rowWords + x0]), rgba(pixels[y0 * p.rowWords + x1]), tx);
  let bottom = mix(rgba(pixels[y1 * p.rowWords + x0]), rgba(pixels[y1 * p.rowWords + x1]), tx);
  let v = mix(top, bottom, ty) * p.scale + p.bias;
  y[i] = v.x;
  y[p.total + i] = v.y;
  y[2u * p.total + i] = v.z;
}
