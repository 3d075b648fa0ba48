// Division for the quantizing kernels (QuantizeLinear, DynamicQuantizeLinear), joined in front of
// them by src/ops/quantize.ts. ONNX quantizes as round_half_to_even(x / scale) with x / scale one
// correctly rounded f32 division (numpy's, and the CPU reference's Math.fround(x / scale)). WGSL
// lets x / y be 2.5 ULP off, and GPUs use that freedom: a quotient within an ULP of a tie (k + 0.5)
// would then round to the other integer. So the quotient is exact where it matters.

const F32_SIGN: u32 = 0x80000000u;
const F32_INFINITY: u32 = 0x7f800000u;
const F32_MIN_NORMAL: f32 = 1.17549435082228750797e-38;     // 2^-126
const F32_MAX_DIVISION_ACCURATE: f32 = 8.50705917302346158659e+37; // 2^126

// A finite, nonzero magnitude as an integer significand in [2^23, 2^24) and a biased exponent:
// |v| = m * 2^(e - 150) (subnormals get exponents below 1).
struct Significand {
  m: u32,
  e: i32,
}

fn significandOf(magnitudeBits: u32) -> Significand {
  let field = i32(magnitudeBits >> 23u);
  let m = magnitudeBits & 0x7fffffu;
  if (field != 0) { return Significand(m | 0x800000u, field); }
  let shift = 23 - i32(firstLeadingBit(m));
  return Significand(m << u32(shift), 1 - shift);
}

// x / y rounded to nearest, ties to even, by long division of the significands: 24 quotient bits
// and a guard bit, the remainder as the sticky bit. Zeros, infinities and NaNs go to the hardware,
// whose results there are exact.
fn divideCorrectlyRounded(x: f32, y: f32) -> f32 {
  let xBits = bitcast<u32>(x);
  let yBits = bitcast<u32>(y);
  let xMagnitude = xBits & ~F32_SIGN;
  let yMagnitude = yBits & ~F32_SIGN;
  let sign = (xBits ^ yBits) & F32_SIGN;
  if (xMagnitude == 0u && yMagnitude != 0u) { return bitcast<f32>(sign); }
  if (xMagnitude == 0u || yMagnitude == 0u || xMagnitude >= F32_INFINITY || yMagnitude >= F32_INFINITY) { return x / y; }
  let a = significandOf(xMagnitude);
  let b = significandOf(yMagnitude);
  var remainder = a.m;
  // The biased exponent of the quotient, once the dividend's significand is at least the divisor's.
  var e = a.e - b.e + 127;
  if (remainder < b.m) {
    remainder = remainder << 1u;
    e = e - 1;
  }
  var q = 0u;
  for (var i = 0; i < 25; i++) {
    q = q << 1u;
    if (remainder >= b.m) {
      remainder = remainder - b.m;
      q = q | 1u;
    }
    remainder = remainder << 1u;
  }
  if (e >= 255) { return bitcast<f32>(sign | F32_INFINITY); }
  // q holds 25 bits (q / 2^24 is the significand ratio in [1, 2)). A normal result drops the guard
  // bit; a subnormal one (e < 1) drops 1 - e bits more.
  let dropped = u32(select(1, 2 - e, e < 1));
  if (dropped > 25u) { return bitcast<f32>(sign); }
  var kept = q >> dropped;
  let rest = q & ((1u << dropped) - 1u);
  let half = 1u << (dropped - 1u);
  if (rest > half || (rest == half && (remainder != 0u || (kept & 1u) == 1u))) { kept = kept + 1u; }
  // For a normal result kept includes the implicit bit, which adds one to the exponent field; a
  // carry out of the significand moves it on correctly, up to infinity.
  let bits = select(kept, (u32(e - 1) << 23u) + kept, e >= 1);
  return bitcast<f32>(sign | min(bits, F32_INFINITY));
}

// round_half_to_even(x / s) with x / s correctly rounded. The hardware quotient is within 2.5 ULP
// of the exact one when s is normal and below 2^126 (and x is not subnormal, which may be
// flushed); it is taken when it lies more than 8 ULP from a tie, where the rounding cannot differ.
// Only quotients near k + 0.5 (and unusual operands) pay for the long division.
fn roundQuotientHalfToEven(x: f32, s: f32) -> f32 {
  let q = x / s;
  let magnitude = abs(q);
  let tie = floor(magnitude) + 0.5;
  let accurate = abs(s) >= F32_MIN_NORMAL && abs(s) <= F32_MAX_DIVISION_ACCURATE && (x == 0.0 || abs(x) >= F32_MIN_NORMAL);
  if (accurate && magnitude < 4194304.0 && abs(magnitude - tie) > magnitude * 9.5367431640625e-7) { return round(q); }
  return round(divideCorrectlyRounded(x, s));
}
