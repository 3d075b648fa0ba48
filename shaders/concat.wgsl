// Concat (ONNX Concat-13, unchanged through opset 17): copies ONE input into its slab of the output.
// The op runs one dispatch per input. Around the concat axis both tensors are rows: an input row
// holds `inputRow` elements (its axis extent times the product of the dimensions after the axis)
// and lands inside the output row of `outputRow` elements, starting `offset` elements in (the
// axis extents of the inputs before it, times the same inner product).
// Elements are moved as raw 32-bit words, so f32 and i32 tensors are copied bit for bit
// (NaN payloads, -0 and subnormals included).

struct Params {
  total: u32,      // elements of this input
  inputRow: u32,
  outputRow: u32,
  offset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let row = i / p.inputRow;
  let column = i % p.inputRow;
  y[row * p.outputRow + p.offset + column] = x[i];
}
