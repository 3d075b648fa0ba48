// Where-16: y = condition ? x : y, with multidirectional broadcasting of all three inputs. One
// invocation per output element; each input is read through its broadcast strides. condition is
// BOOL as segwgpu holds it (i32, non-zero true); x and y are raw 32-bit words of one dtype.

struct Params {
  total: u32,
  rank: u32,
  outShape: array<vec4u, 2>,    // up to rank 8, innermost last
  condStrides: array<vec4u, 2>,
  xStrides: array<vec4u, 2>,
  yStrides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> cond: array<i32>;
@group(0) @binding(2) var<storage, read_write> x: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  var rest = i;
  var ic = 0u;
  var ix = 0u;
  var iy = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let extent = p.outShape[d / 4][d % 4];
    let coord = rest % extent;
    rest = rest / extent;
    ic += coord * p.condStrides[d / 4][d % 4];
    ix += coord * p.xStrides[d / 4][d % 4];
    iy += coord * p.yStrides[d / 4][d % 4];
  }
  out[i] = select(y[iy], x[ix], cond[ic] != 0);
}
