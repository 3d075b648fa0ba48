// The last step of a node with an index fault record (shaders/index-fault.wgsl, joined in front):
// once the node's kernel has run, one invocation copies the index at the first bad position into
// the record, so value and position come from the same index. Nothing to do when there was none.

@group(0) @binding(0) var<storage, read_write> indices: array<i32>;
@group(0) @binding(1) var<storage, read_write> fault: IndexFault;

@compute @workgroup_size(1)
fn main() {
  if (atomicLoad(&fault.count) == 0u) { return; }
  fault.value = bitcast<u32>(indices[~atomicLoad(&fault.firstFlipped)]);
}
