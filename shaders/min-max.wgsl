// Min-13 / Max-13 of two inputs with multidirectional broadcasting (more inputs: one dispatch per
// further input, src/ops/min-max.ts). One invocation per output element; each input is read
// through its broadcast strides. Raw 32-bit words: f32 (intMath 0) or i32 (intMath 1; int64
// travels as i32). A NaN operand gives NaN, as torch.minimum / torch.maximum (common.wgsl).

struct Params {
  total: u32,
  rank: u32,
  isMax: u32,
  intMath: u32,
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  aStrides: array<vec4u, 2>,
  bStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.outShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    ia += coord * p.aStrides[d / 4][d % 4];
    ib += coord * p.bStrides[d / 4][d % 4];
  }
  if (p.intMath == 1u) {
    let va = bitcast<i32>(a[ia]);
    let vb = bitcast<i32>(b[ib]);
    y[i] = bitcast<u32>(select(min(va, vb), max(va, vb), p.isMax == 1u));
    return;
  }
  let va = bitcast<f32>(a[ia]);
  let vb = bitcast<f32>(b[ib]);
  y[i] = bitcast<u32>(select(minNan(va, vb), maxNan(va, vb), p.isMax == 1u));
}
