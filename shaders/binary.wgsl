// Add / Mul with multidirectional broadcasting (ONNX Add-14, Mul-14).
// One invocation per output element; the output index is decomposed into coordinates, and each
// input is read through its broadcast strides (0 along dimensions of size 1).

struct Params {
  total: u32,
  rank: u32,
  op: u32,                      // 0 Add, 1 Mul
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  aStrides: array<vec4u, 2>,
  bStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

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
  let va = a[ia];
  let vb = b[ib];
  y[i] = select(va + vb, va * vb, p.op == 1u);
}
