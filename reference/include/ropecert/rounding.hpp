// Correct rounding of exact real numbers to IEEE-754 binary formats, subnormals included.
// Rounding is monotone (with -0 below +0), so an enclosure [lo, hi] decides round-to-nearest-even
// exactly when RN(lo) and RN(hi) are the same signed value (proofs-notes/10-certified-evaluation.md, Lemma 4).
#pragma once
#include <gmp.h>
#include <mpfr.h>

#include <cstdint>
#include <optional>

namespace ropecert {

// An IEEE-754 binary format: `precision` significand bits (hidden bit included) and the
// exponent range of normal numbers, 2^emin <= |x| < 2^(emax+1).
struct BinaryFormat {
  int precision;
  int emin;
  int emax;
  const char* name;
};
inline constexpr BinaryFormat binary64{53, -1022, 1023, "binary64"};
inline constexpr BinaryFormat binary32{24, -126, 127, "binary32"};
// IEEE-754 binary16 ("half"): largest finite 65504 = (2^11 - 1) * 2^5, smallest subnormal 2^-24.
inline constexpr BinaryFormat binary16{11, -14, 15, "binary16"};
// bfloat16 (binary32's exponent range, 8 significand bits): largest finite (2^8 - 1) * 2^120
// = 3.3895313892515355e38, smallest normal 2^-126, smallest subnormal 2^-133.
inline constexpr BinaryFormat bfloat16{8, -126, 127, "bfloat16"};

enum class RoundingMode { nearest_even, down, up };

// The number of `format` obtained by rounding the exact rational x in `mode`, returned as a
// double (every binary32 number is a double). Overflow gives +-infinity in nearest_even, and
// in a directed mode +-infinity or the largest finite number, as IEEE-754 prescribes.
// An exact zero gives +0; a non-zero x that rounds to zero keeps its sign (-0 for x < 0).
// Precondition: x is canonical (mpq_canonicalize).
double round_rational(const mpq_t x, BinaryFormat format, RoundingMode mode);

// Same for an MPFR number; NaN gives NaN, +-infinity gives +-infinity.
double round_mpfr(const mpfr_t x, BinaryFormat format, RoundingMode mode);

// The same as round_mpfr when its result is a normal number of `format` (|x| in [2^emin, 2^emax), so the result
// is in [2^emin, 2^emax] and neither subnormal nor overflowing), computed by MPFR's correctly rounded mpfr_set
// at the format's precision without allocation; std::nullopt outside that range or for 0, NaN, infinities (then
// call round_mpfr). Its slow twin is round_mpfr (t-rounding compares them).
std::optional<double> round_mpfr_to_normal(const mpfr_t x, BinaryFormat format, RoundingMode mode);

// The round-to-nearest-even result shared by every real in [lo, hi], if lo and hi round to the
// same signed value; std::nullopt otherwise or if an endpoint is NaN or infinite. Precondition: lo <= hi.
// A zero result keeps the sign of the real (-0 for x < 0, +0 for x = 0 or x > 0), so an enclosure with
// lo < 0 <= hi whose ends both round to zero decides nothing (proofs-notes/10-certified-evaluation.md,
// Lemma 4, Zero); an exact zero is decided only by an exact argument (exact_rows.hpp).
std::optional<double> decided_rounding(const mpfr_t lo, const mpfr_t hi, BinaryFormat format);

// The 16-bit IEEE encoding of x: sign bit, then the biased exponent field (5 bits, bias 15, for
// binary16; 8 bits, bias 127, for bfloat16), then the trailing significand field (10 or 7 bits).
// Zero exponent field: +-0 and subnormals m * 2^(emin - precision + 1); all-ones field: +-infinity.
// -0.0 gives the sign bit alone. Precondition (checked): x is a value of the format, i.e. infinite,
// or finite with round_rational(x, format, nearest_even) == x; otherwise, and for NaN (which has no
// single encoding), throws std::invalid_argument. Round first with round_mpfr / round_rational.
// The encoding is the definition of IEEE-754 section 3.4 (proofs-notes/10-certified-evaluation.md,
// Lemma 4 for the rounding that produces x).
std::uint16_t binary16_bits(double x);
std::uint16_t bfloat16_bits(double x);

}  // namespace ropecert
