// Comparisons of the library's results with the Arb oracle (arb_oracle.hpp), written with MPFR's own
// conversions and narrow-format emulation (mpfr_twin.hpp), not with the library's rounding code.
#pragma once
#include <mpfr.h>

#include "support/arb_oracle.hpp"

namespace ropecert_test {

// The roundings of a ball to binary64, binary32, binary16 and bfloat16, each with whether the ball's two
// endpoints (taken outward) round alike, sign of zero included, so that every real in the ball has that rounding
// (a ball around 0 decides no format: its endpoints round to -0 and +0).
struct BallRoundings {
  bool decided64, decided32, decided16, decided_bf16;
  double t64, t16, tbf16;
  float t32;
};
BallRoundings ball_roundings(const ArbBall& ball);

// Whether [lo, hi] and the ball share a point. Both are rigorous enclosures of the same real, so they must;
// since the ball is tiny, a wrong enclosure escapes only if it misses the truth by less than its radius.
// (Requiring the whole ball inside [lo, hi] would be wrong: an exact endpoint such as lo = -3 for
// T = -3 + 3e^-589.5 lies within the ball's radius of the truth.) A non-finite ball shares nothing.
bool consistent(const ArbBall& ball, const mpfr_t lo, const mpfr_t hi);
bool consistent(const ArbBall& ball, double lo, double hi);

}  // namespace ropecert_test
