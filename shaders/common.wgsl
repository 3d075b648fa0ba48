// Helpers joined in front of every kernel (see src/gpu/kernel.ts).
//
// Every storage binding of every kernel is declared read_write, inputs included, because that is
// how it is bound: a plan keeps all tensors as ranges of one arena buffer, and WebGPU forbids one
// buffer bound read-only and writable in the same dispatch (even at disjoint ranges).
// src/gpu/kernel.ts refuses a `read` storage binding. What a kernel writes is what it assigns to;
// kernel.ts finds that in the source (the plan needs it to run weight repacking once).

// The flat invocation index over a dispatch that src/gpu/dispatch.ts may have folded into 2D or 3D
// because it exceeded maxComputeWorkgroupsPerDimension. Callers guard it against their element count.
fn flatInvocationIndex(wid: vec3u, nwg: vec3u, lid: u32, workgroupSize: u32) -> u32 {
  return ((wid.z * nwg.y + wid.y) * nwg.x + wid.x) * workgroupSize + lid;
}

// The lowest finite f32: the start of every max reduction (no made-up infinities: WGSL has none).
const LOWEST_F32: f32 = -3.40282346638528859812e+38;

// Pointwise activations; codes match ACTIVATION_CODES in src/ops/activation-functions.ts.
// alpha/beta: HardSigmoid alpha/beta, Clip min/max, LeakyRelu alpha.
fn applyActivation(x: f32, act: u32, alpha: f32, beta: f32) -> f32 {
  switch act {
    case 1u: { return max(x, 0.0); }
    case 2u: {
      // Written so exp() never overflows: exp of a non-positive number only.
      let e = exp(-abs(x));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
    }
    case 3u: { return clamp(alpha * x + beta, 0.0, 1.0); }
    case 4u: { return x * clamp(x / 6.0 + 0.5, 0.0, 1.0); }
    case 5u: { return min(max(x, alpha), beta); }
    case 6u: { return select(alpha * x, x, x >= 0.0); }
    case 7u: {
      // tanh(|x|) = (1 - e) / (1 + e) with e = exp(-2|x|) <= 1: no overflow for large |x| (the
      // builtin's precision is not specified for all inputs), and the sign restored after.
      let e = exp(-2.0 * abs(x));
      return sign(x) * ((1.0 - e) / (1.0 + e));
    }
    case 8u: { return select(alpha * (exp(x) - 1.0), x, x >= 0.0); }
    default: { return x; }
  }
}

fn applyActivation4(x: vec4f, act: u32, alpha: f32, beta: f32) -> vec4f {
  return vec4f(applyActivation(x.x, act, alpha, beta), applyActivation(x.y, act, alpha, beta),
               applyActivation(x.z, act, alpha, beta), applyActivation(x.w, act, alpha, beta));
}
