// The library's enclosures against the independent Arb oracle (tests/support/arb_oracle.hpp):
// every enclosure must meet Arb's much tighter ball, and every decided rounding must be the rounding
// that Arb's much tighter ball decides, computed by MPFR's own conversion; on both routes of evaluate_certified.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "ropecert/certified_eval.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "support/arb_oracle.hpp"
#include "support/oracle_checks.hpp"
#include "support/case_generators.hpp"
#include "support/hex_text.hpp"

using namespace ropecert;
using ropecert_test::same_bits;
using ropecert_test::arb_attention;
using ropecert_test::ArbBall;
using ropecert_test::ball_roundings;
using ropecert_test::BallRoundings;
using ropecert_test::consistent;

namespace {

constexpr slong oracle_precision = 600;

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
    for (const EvalRoute route : {EvalRoute::fast, EvalRoute::mpfi}) {  // the fast route and its slow twin
      EvalOptions options;
      options.route = route;
      const CertifiedOutput out = evaluate_certified(p, options);
      for (std::size_t i = 0; i < p.n_q(); ++i)
        for (std::size_t c = 0; c < p.d_v(); ++c) {
          const EntryOutcome& e = out.at(i, c);
          const ArbBall& ball = oracle[i * p.d_v() + c];
          RC_LOG() << (route == EvalRoute::fast ? "fast" : "mpfi") << " route, row " << i << " column " << c;
          RC_ASSERT(consistent(ball, e.lo, e.hi));
          const BallRoundings expected = ball_roundings(ball);
          RC_ASSERT(e.t64_decided);
          RC_ASSERT(e.t32_decided);
          RC_ASSERT(e.t16_decided);
          RC_ASSERT(e.tbf16_decided);
          // Bitwise: a zero of the wrong sign is a wrong rounding.
          if (expected.decided64) RC_ASSERT(same_bits(e.t64, expected.t64));
          if (expected.decided32) RC_ASSERT(same_bits(e.t32, double(expected.t32)));
          if (expected.decided16) RC_ASSERT(same_bits(e.t16, expected.t16));
          if (expected.decided_bf16) RC_ASSERT(same_bits(e.tbf16, expected.tbf16));
        }
    }
  });
}
