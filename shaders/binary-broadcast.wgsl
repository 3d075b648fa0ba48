// Float Add / Mul fast path (ONNX Add-14, Mul-14; src/ops/arith.ts) for the common segmentation shapes: one input has the
// output's full shape, the other is that shape, a scalar, or a contiguous block of it such as a
// per-channel [1, C, 1, 1] scale. Its element for flat output index i is (i / inner) % count.
// Four outputs per invocation with vec4 loads; the caller guarantees total % 4 == 0 and that the
// four share their broadcast element (inner % 4 == 0) or step through it (inner == 1).
// src/ops/arith.ts prepends `fn combine(a, b, i) -> vec4f`: a + b or a * b by Params.op, or, for
// Mul's fused addend (src/passes/fuse-mul-add.ts), a * b + addend[i] with the `addend` binding.

struct Params {
  total4: u32,   // total / 4
  inner: u32,    // output elements per step of the broadcast operand
  count: u32,    // elements of the broadcast operand
  op: u32,       // 0 Add, 1 Mul (without the addend)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> full: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> other: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total4) { return; }
  let first = 4u * i;
  var b: vec4f;
  if (p.inner == 1u) {
    b = vec4f(other[first % p.count], other[(first + 1u) % p.count], other[(first + 2u) % p.count], other[(first + 3u) % p.count]);
  } else {
    b = vec4f(other[(first / p.inner) % p.count]);
  }
  y[i] = combine(full[i], b, i);
}
