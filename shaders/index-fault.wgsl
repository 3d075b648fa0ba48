// The index fault record, joined in front of the kernels of ops that read indices computed at run
// time (Gather, MaxUnpool, RoiAlign; src/ops/index-fault.ts). Such a kernel declares
//   @group(0) @binding(n) var<storage, read_write> fault: IndexFault;
// and calls recordIndexFault for every out-of-range index it meets, still clamping or skipping it
// so that nothing is read or written out of bounds. ONNX makes such an index an error, which a
// kernel cannot raise: the runtime zeroes the record before each run, reads it back with the
// outputs and refuses the run with the error the op's CPU reference raises.
//
// Many invocations may fault at once, in any order. The record keeps the least position, which is
// the index a CPU reference scanning in order reports: stored flipped (~position), because
// atomicMax on a zeroed word then keeps the least position, and zero still means "none". The index
// value at that position is copied afterwards, by shaders/index-fault-value.wgsl in a step of its
// own, so value and position always belong together.

struct IndexFault {
  count: atomic<u32>,         // bad indices met; 0: none
  firstFlipped: atomic<u32>,  // ~(flat position of the first bad index in the indices tensor)
  value: u32,                 // the index at that position (bitcast i32), set by index-fault-value.wgsl
}

fn recordIndexFault(position: u32) {
  atomicAdd(&fault.count, 1u);
  atomicMax(&fault.firstFlipped, ~position);
}
