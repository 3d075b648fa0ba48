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

// The lowest finite f32 (WGSL has no infinity literal). Not a start for max reductions: a group
// of -Inf would come out as this; they start from their first element instead.
const LOWEST_F32: f32 = -3.40282346638528859812e+38;

// Non-finite values: one rule for every kernel and its CPU reference (src/ops), PyTorch's.
// - NaN propagates. max / min / clamp and the Relu family of a NaN are NaN (so every activation
//   maps NaN to NaN); a MaxPool window or a reduced group holding a NaN gives NaN; a Softmax line
//   holding one is all NaN. ArgMax takes NaN as the greatest value, so it picks the line's first
//   NaN (torch.argmax); MaxPool's Indices point at the window's last NaN (torch's max_pool2d).
// - +-Inf follows IEEE arithmetic (inf - inf and 0 * inf are NaN). So a Softmax line whose maximum
//   is +Inf, or whose every element is -Inf, is all NaN, as in torch.
// WGSL lets an implementation assume that no NaN or Inf occurs: `x != x` may be folded to false,
// max/min/clamp of a NaN are implementation-defined, and SwiftShader's fast math rewrites NaN
// arithmetic (0 / NaN came out 0). So NaN is told from its bits, made from bits, and chosen with
// select() by the helpers below rather than left to the float operations.
fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// Neither NaN nor +-Inf: the exponent bits are not all ones.
fn isFiniteF32(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// A quiet NaN and +Inf. From runtime bit patterns: a constant expression may not evaluate to
// either.
fn nanF32() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn infF32() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

// max / min / clamp that return a NaN operand (the first, if both are) instead of leaving it to
// the implementation, as torch.maximum, torch.minimum and torch.clamp do.
fn maxNan(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), b, isNan(b)), a, isNan(a));
}

fn minNan(a: f32, b: f32) -> f32 {
  return select(select(min(a, b), b, isNan(b)), a, isNan(a));
}

fn clampNan(x: f32, lo: f32, hi: f32) -> f32 {
  return select(clamp(x, lo, hi), x, isNan(x));
}

// Pointwise activations; codes match ACTIVATION_CODES in src/ops/activation-functions.ts.
// alpha/beta: HardSigmoid alpha/beta, Clip min/max, LeakyRelu alpha. Every one maps NaN to NaN
// (torch.relu, torch.clamp, ...): one select on the result, so the formulas below may treat NaN
// any way they like, and Conv's epilogue pays one bit test per output.
fn applyActivation(x: f32, act: u32, alpha: f32, beta: f32) -> f32 {
  return select(activateNumber(x, act, alpha, beta), x, isNan(x));
}

// applyActivation for a number (finite or +-Inf, which follow IEEE arithmetic).
fn activateNumber(x: f32, act: u32, alpha: f32, beta: f32) -> f32 {
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
