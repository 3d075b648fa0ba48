// MatMulInteger's constant B, packed once when the plan is made (this step reads only B): each u32
// word holds the low bytes of B[batch, 4 * k4 + j, n] for j = 0..3 (byte j at bits 8j..8j+7),
// words laid out [batch, k4, n]. Rows past K (the last word's padding) hold 0. Which bytes are
// signed (int8) the matmul kernel is told.

struct Params {
  total: u32,   // words: batches * K4 * N
  K: u32,
  N: u32,
  K4: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> b: array<i32>;
@group(0) @binding(2) var<storage, read_write> packed: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let n = i % p.N;
  let k4 = (i / p.N) % p.K4;
  let batch = i / (p.N * p.K4);
  var word = 0u;
  for (var j = 0u; j < 4u; j++) {
    let k = 4u * k4 + j;
    if (k < p.K) { word = word | ((bitcast<u32>(b[(batch * p.K + k) * p.N + n]) & 0xffu) << (8u * j)); }
  }
  packed[i] = word;
}
