// Clears the packed-dot GEMMs' "some activation is negative" word before integer-dot-pack.wgsl
// sets it (once per run: the step reads no input, so the plan never hoists it).

@group(0) @binding(0) var<storage, read_write> negative: array<u32>;

@compute @workgroup_size(1)
fn main() {
  negative[0] = 0u;
}
