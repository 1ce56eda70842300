// The library's enclosures against the independent Arb oracle (tests/support/arb_oracle.hpp):
// every enclosure must meet Arb's much tighter ball, and every decided rounding must be the rounding
// that Arb's much tighter ball decides, computed by MPFR's own conversion.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "ropecert/certified_eval.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "support/arb_oracle.hpp"
#include "support/mpfr_twin.hpp"
#include "support/case_generators.hpp"

using namespace ropecert;
using ropecert_test::arb_attention;
using ropecert_test::ArbBall;

namespace {

constexpr slong oracle_precision = 600;

// The roundings of a ball to binary64, binary32, binary16 and bfloat16, when its two endpoints agree
// (MPFR's mpfr_get_d / mpfr_get_flt and its narrow-format emulation, not the library's rounding code).
struct BallRoundings {
  bool decided64, decided32, decided16, decided_bf16;
  double t64, t16, tbf16;
  float t32;
};

BallRoundings ball_roundings(const ArbBall& ball) {
  mpfr_t lo, hi;
  mpfr_inits2(oracle_precision + 64, lo, hi, (mpfr_ptr)nullptr);
  arb_get_interval_mpfr(lo, hi, ball.get());
  BallRoundings r;
  r.t64 = mpfr_get_d(lo, MPFR_RNDN);
  r.decided64 = r.t64 == mpfr_get_d(hi, MPFR_RNDN);
  r.t32 = mpfr_get_flt(lo, MPFR_RNDN);
  r.decided32 = r.t32 == mpfr_get_flt(hi, MPFR_RNDN);
  r.t16 = ropecert_test::mpfr_emulated(lo, binary16, MPFR_RNDN);
  r.decided16 = r.t16 == ropecert_test::mpfr_emulated(hi, binary16, MPFR_RNDN);
  r.tbf16 = ropecert_test::mpfr_emulated(lo, bfloat16, MPFR_RNDN);
  r.decided_bf16 = r.tbf16 == ropecert_test::mpfr_emulated(hi, bfloat16, MPFR_RNDN);
  mpfr_clears(lo, hi, (mpfr_ptr)nullptr);
  return r;
}

// Both [lo, hi] and Arb's ball are rigorous enclosures of the same real, so they must share a
// point; since the ball is ~2^-600 wide, a wrong enclosure escapes only if it misses the truth by
// less than that. (Requiring the whole ball inside [lo, hi] would be wrong: an exact endpoint
// such as lo = -3 for T = -3 + 3e^-589.5 lies within the ball's radius of the truth.)
bool consistent(const ArbBall& ball, const mpfr_t lo, const mpfr_t hi) {
  mpfr_t ball_lo, ball_hi;
  mpfr_inits2(oracle_precision + 64, ball_lo, ball_hi, (mpfr_ptr)nullptr);
  arb_get_interval_mpfr(ball_lo, ball_hi, ball.get());  // outward
  const bool share = arb_is_finite(ball.get()) && mpfr_lessequal_p(ball_lo, hi) && mpfr_lessequal_p(lo, ball_hi);
  mpfr_clears(ball_lo, ball_hi, (mpfr_ptr)nullptr);
  return share;
}

bool consistent(const ArbBall& ball, double lo, double hi) {
  mpfr_t l, h;
  mpfr_inits2(53, l, h, (mpfr_ptr)nullptr);
  mpfr_set_d(l, lo, MPFR_RNDN);
  mpfr_set_d(h, hi, MPFR_RNDN);
  const bool result = consistent(ball, l, h);
  mpfr_clears(l, h, (mpfr_ptr)nullptr);
  return result;
}

}  // namespace

TEST_CASE("every enclosure meets the Arb oracle's ball", "[arb][containment]") {
  rc::prop("fixed-precision enclosures at 64 and 192 bits", [] {
    ropecert_test::ProblemLimits limits;
    limits.conventions = true;  // HF rope scaling and emulation too
    const Problem p = *ropecert_test::gen_problem(limits);
    RC_LOG() << ropecert_test::describe(p);
    RC_TAG(p.kind == Kind::rope ? "rope" : "general", p.mask == MaskKind::causal ? "causal" : "no mask");
    const std::vector<ArbBall> oracle = arb_attention(p, oracle_precision);
    for (mpfr_prec_t precision : {64, 192}) {
      const FixedPrecisionEvaluator evaluator(p, precision);
      for (std::size_t i = 0; i < p.n_q(); ++i) {
        const RowSoftmax row = evaluator.softmax(i);
        for (std::size_t c = 0; c < p.d_v(); ++c) {
          const Interval t = evaluator.output(row, c);
          RC_LOG() << "row " << i << " column " << c << " precision " << precision;
          RC_ASSERT(consistent(oracle[i * p.d_v() + c], &t.get()->left, &t.get()->right));
        }
      }
    }
  });
}

TEST_CASE("certified outputs are the correct roundings of the Arb oracle's value", "[arb][containment]") {
  rc::prop("T_lo <= T <= T_hi and RN64, RN32, RN16, RN_bf16 agree with the oracle", [] {
    ropecert_test::ProblemLimits limits;
    limits.conventions = true;  // HF rope scaling and emulation too
    const Problem p = *ropecert_test::gen_problem(limits);
    RC_LOG() << ropecert_test::describe(p);
    RC_TAG(p.kind == Kind::rope ? (p.rope.pairing == Pairing::half ? "rope half" : "rope interleaved")
                                : "general");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.q_offset >= 1000000, "offset >= 10^6");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.scaling.kind != RopeScalingKind::none, "rope scaling");
    RC_CLASSIFY(p.kind == Kind::rope && p.rope.emulate.cos_sin != CosSinEmulation::exact, "cos/sin emulated");
    const std::vector<ArbBall> oracle = arb_attention(p, oracle_precision);
    const CertifiedOutput out = evaluate_certified(p, EvalOptions{});
    for (std::size_t i = 0; i < p.n_q(); ++i)
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        const EntryOutcome& e = out.at(i, c);
        const ArbBall& ball = oracle[i * p.d_v() + c];
        RC_LOG() << "row " << i << " column " << c;
        RC_ASSERT(consistent(ball, e.lo, e.hi));
        const BallRoundings expected = ball_roundings(ball);
        RC_ASSERT(e.t64_decided);
        RC_ASSERT(e.t32_decided);
        if (expected.decided64) RC_ASSERT(e.t64 == expected.t64);
        if (expected.decided32) RC_ASSERT(static_cast<float>(e.t32) == expected.t32);
        RC_ASSERT(e.t16_decided);
        RC_ASSERT(e.tbf16_decided);
        if (expected.decided16) RC_ASSERT(e.t16 == expected.t16);
        if (expected.decided_bf16) RC_ASSERT(e.tbf16 == expected.tbf16);
      }
  });
}
