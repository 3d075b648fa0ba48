// ConfusionMatrix (segwgpu's own op, src/ops/confusion-matrix.ts): counts[t * classes + p] is how
// many positions hold truth label t and predicted label p. Run in three phases of one pipeline:
//   0: zero the counts, one invocation per cell (a plan's arena is reused, so never assume zeros);
//   1: one invocation per position: skip a truth equal to the ignore label, check both labels,
//      atomicAdd 1 to their cell. Many invocations hit the same few cells when there are few
//      classes; atomics keep that exact, only slower.
//   2: one invocation: copy the first bad label into the fault record.
// A label outside [0, classes) (other than an ignored truth) is an error, which a kernel cannot
// raise: it goes to the index fault record (shaders/index-fault.wgsl, joined in front) and the
// position is skipped. The record's position is 2 * position + 0 for the truth, + 1 for the
// prediction, so its least position is the first bad label of a row-major scan that checks the
// truth before the prediction at each position, as the CPU reference does.

struct Params {
  total: u32,        // invocations of this phase: cells (0), positions (1) or 1 (2)
  phase: u32,        // 0 zero, 1 count, 2 fault value
  classes: u32,      // the matrix is classes x classes
  hasIgnore: u32,    // 1: truth positions equal to ignoreIndex are left out
  ignoreIndex: i32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> truth: array<i32>;
@group(0) @binding(2) var<storage, read_write> prediction: array<i32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<i32>>;
@group(0) @binding(4) var<storage, read_write> fault: IndexFault;

const WG = 64u;

fn isClass(label: i32) -> bool {
  return label >= 0 && u32(label) < p.classes;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (p.phase == 0u) {
    atomicStore(&counts[i], 0);
    return;
  }
  if (p.phase == 2u) {
    if (atomicLoad(&fault.count) == 0u) { return; }
    let at = ~atomicLoad(&fault.firstFlipped);
    let label = select(truth[at / 2u], prediction[at / 2u], at % 2u == 1u);
    fault.value = bitcast<u32>(label);
    return;
  }
  let t = truth[i];
  if (p.hasIgnore == 1u && t == p.ignoreIndex) { return; }
  if (!isClass(t)) {
    recordIndexFault(2u * i);
    return;
  }
  let predicted = prediction[i];
  if (!isClass(predicted)) {
    recordIndexFault(2u * i + 1u);
    return;
  }
  atomicAdd(&counts[u32(t) * p.classes + u32(predicted)], 1);
}
