// MatMulInteger's constant B for the packed-dot kernel (shaders/matmul-integer-dot.wgsl), packed
// once when the plan is made (this step reads only B): words [batch, k4, n] of the bytes
// (B[batch, 4 * k4 + j, n] & 255) ^ flip for j = 0..3 (byte j at bits 8j..8j+7; flip 128 for int8 B,
// which stores v as unsigned v + 128), 0 past K; then one u32 per [batch, n]: the column's stored
// bytes summed (Sb of src/ops/integer-dot.ts).

struct Params {
  total: u32,   // words + sums
  words: u32,   // batches * K4 * N
  K: u32,
  N: u32,
  K4: u32,
  flip: u32,    // 128 for int8 B, else 0
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> b: array<i32>;
@group(0) @binding(2) var<storage, read_write> packed: array<u32>;

const WG = 64u;

fn storedByte(batch: u32, k: u32, n: u32) -> u32 {
  return (bitcast<u32>(b[(batch * p.K + k) * p.N + n]) & 0xffu) ^ p.flip;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (i < p.words) {
    let n = i % p.N;
    let k4 = (i / p.N) % p.K4;
    let batch = i / (p.N * p.K4);
    var word = 0u;
    for (var j = 0u; j < 4u; j++) {
      let k = 4u * k4 + j;
      if (k < p.K) { word |= storedByte(batch, k, n) << (8u * j); }
    }
    packed[i] = word;
    return;
  }
  let n = (i - p.words) % p.N;
  let batch = (i - p.words) / p.N;
  var sum = 0u;
  for (var k = 0u; k < p.K; k++) { sum += storedByte(batch, k, n); }
  packed[i] = sum;
}
