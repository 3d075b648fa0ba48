/**
 * The adapter's own ceiling: an f32 matmul C[M,N] = A[M,K] B[K,N] with each invocation holding a
 * TM x (4*TN4) block of C in registers, inner loops fully unrolled by this generator (dynamic
 * indexing of private arrays spills to memory on SwiftShader). Several blockings are tried and
 * the best is the ceiling each kernel is read against.
 */
export interface MatmulVariant {
  readonly name: string;
  readonly source: string;
  readonly workgroups: number;
}

export function matmulVariant(M: number, N: number, K: number, TM: number, TN4: number, WG = 64): MatmulVariant {
  const colBlocks = N / 4 / TN4;
  const acc = (i: number, j: number) => `acc_${i}_${j}`;
  const decl: string[] = [];
  for (let i = 0; i < TM; i++) for (let j = 0; j < TN4; j++) decl.push(`var ${acc(i, j)} = vec4f(0.0);`);
  const loadB = Array.from({ length: TN4 }, (_, j) => `let b${j} = B[k * ${N / 4}u + cb * ${TN4}u + ${j}u];`);
  const body: string[] = [];
  for (let i = 0; i < TM; i++) {
    body.push(`{ let a = vec4f(A[(r0 + ${i}u) * ${K}u + k]);`);
    for (let j = 0; j < TN4; j++) body.push(`  ${acc(i, j)} = fma(a, b${j}, ${acc(i, j)});`);
    body.push('}');
  }
  const store: string[] = [];
  for (let i = 0; i < TM; i++) for (let j = 0; j < TN4; j++) store.push(`C[(r0 + ${i}u) * ${N / 4}u + cb * ${TN4}u + ${j}u] = ${acc(i, j)};`);
  const source = `
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> C: array<vec4f>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let cb = g.x % ${colBlocks}u;
  let r0 = (g.x / ${colBlocks}u) * ${TM}u;
  ${decl.join('\n  ')}
  for (var k = 0u; k < ${K}u; k++) {
    ${loadB.join('\n    ')}
    ${body.join('\n    ')}
  }
  ${store.join('\n  ')}
}`;
  return { name: `matmul ${M}x${N}x${K} reg${TM}x${TN4 * 4}`, source, workgroups: (colBlocks * (M / TM)) / WG };
}

export const PROBE_BLOCKINGS: readonly [number, number][] = [
  [8, 1],
  [4, 2],
  [8, 2],
  [16, 1],
];
