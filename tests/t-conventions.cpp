// The conventions of real models (problem.hpp: rope.scaling, rope.emulate; proofs-notes/11-rope-scaling.md,
// "Wiring") as the certified evaluator sees them:
//   - without them, the evaluator's enclosures are bit for bit those recorded before they existed;
//   - every scaling kind and emulation: certified outputs against the independent Arb oracle
//     (tests/support/arb_oracle.hpp), on hand cases and on RapidCheck problems (gen_rope_problem with
//     limits.conventions);
//   - identities: linear with factor 1 is no scaling; the attention factor a multiplies the rotary part of
//     the logit by a^2 and leaves the pass-through part alone;
//   - the cos / sin emulation equals kind general on the emulated rows, computed in the test (Arb's cos
//     rounded by MPFR, not by the library), and moves the outputs measurably at offset 10^6;
//   - inv_freq float32 uses hf_default_inv_freq_float32's values and changes RN32 of an output at 10^6;
//   - a scaled frequency undecided at the working precision is retried at a higher one;
//   - the fast algorithm, the binary64 baseline and the exact view refuse the conventions;
//   - bad case.json conventions exit with code 2 and one line naming case.json.
// RapidCheck seeds are pinned in CTest (RC_PARAMS); set RC_PARAMS="seed=N" to reproduce.
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecert/attention_double.hpp"
#include "ropecert/case_io.hpp"
#include "ropecert/certified_eval.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_numbers.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_run.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/rope_geometry.hpp"
#include "ropecert/rope_scaling.hpp"
#include "support/arb_oracle.hpp"
#include "support/case_generators.hpp"
#include "support/cli_runner.hpp"
#include "support/hex_text.hpp"
#include "support/oracle_checks.hpp"
#include "support/temp_dir.hpp"

using namespace ropecert;
using ropecert_test::arb_attention;
using ropecert_test::ArbBall;
using ropecert_test::ball_roundings;
using ropecert_test::hex;
using ropecert_test::BallRoundings;
using ropecert_test::consistent;
using ropecert_test::describe;
namespace fs = std::filesystem;

namespace {

constexpr slong oracle_precision = 600;
using Method = RopeScalingKind;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

CertifiedOutput evaluate(const Problem& p) { return evaluate_certified(p, EvalOptions{}); }

// ---- problems ------------------------------------------------------------------------------------

// Deterministic problems (no RapidCheck) whose enclosures were recorded before rope scaling and emulation
// were wired in (by this same code, linked against the library of commit 03b87ee): a fixed 64-bit LCG draws
// dyadic entries k/8 in [-3, 3].
std::uint64_t lcg_next(std::uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 33;
}

Matrix lcg_matrix(std::size_t rows, std::size_t cols, std::uint64_t& state) {
  Matrix m(rows, cols);
  for (double& x : m.values) x = (static_cast<double>(lcg_next(state) % 49) - 24) / 8;
  return m;
}

std::vector<Problem> golden_problems() {
  std::vector<Problem> problems;
  std::uint64_t state = 20261129;
  struct Shape {
    Angles angles;
    double base;
    Pairing pairing;
    std::size_t d, rotary_dim, n_q, n_k, d_v;
    std::int64_t q_offset, k_offset;
    MaskKind mask;
    Scale::Rule scale;
  };
  const Shape shapes[] = {
      {Angles::standard, 10000, Pairing::half, 8, 8, 4, 5, 3, 0, 0, MaskKind::none, Scale::Rule::inv_sqrt_d},
      {Angles::standard, 500000, Pairing::interleaved, 8, 6, 3, 3, 2, 1000003, 1000000, MaskKind::causal,
       Scale::Rule::inv_d},
      {Angles::standard, 10, Pairing::half, 4, 2, 5, 4, 2, 7, 2, MaskKind::causal, Scale::Rule::inv_sqrt_d},
      {Angles::pythagorean, 10000, Pairing::interleaved, 6, 6, 3, 4, 2, 3, 0, MaskKind::none, Scale::Rule::inv_sqrt_d},
      {Angles::standard, 2.5, Pairing::interleaved, 2, 2, 2, 6, 1, 123456789, 123456785, MaskKind::none,
       Scale::Rule::inv_d},
  };
  for (const Shape& s : shapes) {
    Problem p;
    p.kind = Kind::rope;
    p.scale.rule = s.scale;
    p.mask = s.mask;
    p.rope.angles = s.angles;
    p.rope.base = s.base;
    p.rope.pairing = s.pairing;
    p.rope.rotary_dim = s.rotary_dim;
    p.rope.q_offset = s.q_offset;
    p.rope.k_offset = s.k_offset;
    p.Q = lcg_matrix(s.n_q, s.d, state);
    p.K = lcg_matrix(s.n_k, s.d, state);
    p.V = lcg_matrix(s.n_k, s.d_v, state);
    problems.push_back(p);
  }
  return problems;
}

// FNV-1a over the hexadecimal endpoints of every output enclosure at 64 and 200 bits.
std::uint64_t enclosure_digest(const Problem& p) {
  std::uint64_t hash = 1469598103934665603ULL;
  const auto absorb = [&](const std::string& text) {
    for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
  };
  for (const mpfr_prec_t precision : {64, 200}) {
    const FixedPrecisionEvaluator evaluator(p, precision);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      const RowSoftmax row = evaluator.softmax(i);
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        const Interval t = evaluator.output(row, c);
        char* text = nullptr;
        mpfr_asprintf(&text, "%Ra %Ra;", &t.get()->left, &t.get()->right);
        absorb(text);
        mpfr_free_str(text);
      }
    }
  }
  return hash;
}

// enclosure_digest(golden_problems()[k]) before the conventions existed. The endpoints are those of MPFR's
// correctly rounded operations inside MPFI (Debian 12's MPFR 4.2 / MPFI 1.5); a different MPFI whose cos or
// sin rounds differently would change them without any change here.
const std::uint64_t kGoldenDigests[] = {0xd107ce385a44b0e9ULL, 0x0cca8bd220b68fe1ULL, 0x93bbaf40deea14c1ULL,
                                        0xe234bab085cbacb7ULL, 0x3471d76052db58e3ULL};

// A kind rope problem with d = rotary_dim + 2 pass-through dimensions, LCG dyadic entries, causal mask and
// the given offsets.
Problem rope_problem(std::size_t rotary_dim, double base, std::int64_t q_offset, std::int64_t k_offset,
                     std::uint64_t seed, std::size_t n_q = 3, std::size_t n_k = 4) {
  Problem p;
  p.kind = Kind::rope;
  p.mask = MaskKind::causal;
  p.rope.base = base;
  p.rope.rotary_dim = rotary_dim;
  p.rope.q_offset = q_offset;
  p.rope.k_offset = k_offset;
  std::uint64_t state = seed;
  p.Q = lcg_matrix(n_q, rotary_dim + 2, state);
  p.K = lcg_matrix(n_k, rotary_dim + 2, state);
  p.V = lcg_matrix(n_k, 2, state);
  return p;
}

RopeScaling llama31() {
  RopeScaling s;
  s.kind = Method::llama3;
  s.factor = 8;
  s.low_freq_factor = 1;
  s.high_freq_factor = 4;
  s.original_max_position_embeddings = 8192;
  return s;
}

// One hand parameter set per kind, HF-like, for rotary_dim 8.
std::vector<std::pair<const char*, RopeScaling>> hand_scalings() {
  std::vector<std::pair<const char*, RopeScaling>> all;
  RopeScaling s;
  s.kind = Method::linear;
  s.factor = 4;
  all.push_back({"linear factor 4", s});
  s = RopeScaling();
  s.kind = Method::dynamic;
  s.factor = 2;
  s.max_position_embeddings = 2048;
  s.sequence_length = 5100;  // past M: the base grows
  all.push_back({"dynamic factor 2, M 2048, seq_len 5100", s});
  s = RopeScaling();
  s.kind = Method::yarn;
  s.factor = 16;
  s.original_max_position_embeddings = 4096;  // correction range 0 .. 2 at r = 8, b = 500000
  all.push_back({"yarn factor 16, L 4096 (a = 0.1 ln 16 + 1)", s});
  s.truncate = false;
  s.mscale = 1;
  s.mscale_all_dim = 0.5;
  all.push_back({"yarn without truncation, mscale 1 / 0.5", s});
  all.push_back({"llama3 (Llama 3.1: factor 8, low 1, high 4, L 8192)", llama31()});
  s = RopeScaling();
  s.kind = Method::longrope;
  s.original_max_position_embeddings = 4096;
  s.max_position_embeddings = 131072;  // f = 32: a = sqrt(1 + ln 32 / ln 4096) = sqrt(17/12)
  s.sequence_length = 5000;            // > L: the long factors
  s.short_factor = {1, 1.25, 2, 4.5};
  s.long_factor = {1, 4, 10.5, 40};
  all.push_back({"longrope Phi-3-like, long factors", s});
  return all;
}

// ---- the Arb oracle's verdict --------------------------------------------------------------------

// Catch version: fixed-precision enclosures at 64 and 192 bits and the certified outputs against the oracle.
CertifiedOutput check_against_oracle(const Problem& p) {
  INFO(describe(p));
  const std::vector<ArbBall> oracle = arb_attention(p, oracle_precision);
  for (const mpfr_prec_t precision : {64, 192}) {
    const FixedPrecisionEvaluator evaluator(p, precision);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      const RowSoftmax row = evaluator.softmax(i);
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        const Interval t = evaluator.output(row, c);
        INFO("row " << i << " column " << c << " precision " << precision);
        CHECK(consistent(oracle[i * p.d_v() + c], &t.get()->left, &t.get()->right));
      }
    }
  }
  const CertifiedOutput out = evaluate(p);
  for (std::size_t i = 0; i < p.n_q(); ++i)
    for (std::size_t c = 0; c < p.d_v(); ++c) {
      INFO("row " << i << " column " << c);
      const EntryOutcome& e = out.at(i, c);
      const ArbBall& ball = oracle[i * p.d_v() + c];
      CHECK(consistent(ball, e.lo, e.hi));
      CHECK(e.decided());
      const BallRoundings expected = ball_roundings(ball);
      if (expected.decided64) CHECK(hex(e.t64) == hex(expected.t64));
      if (expected.decided32) CHECK(hex(e.t32) == hex(expected.t32));
    }
  return out;
}

// Some entry's binary64 rounding differs between the two outputs.
bool some_t64_differs(const CertifiedOutput& a, const CertifiedOutput& b) {
  for (std::size_t e = 0; e < a.entries.size(); ++e)
    if (!same_bits(a.entries[e].t64, b.entries[e].t64)) return true;
  return false;
}

bool same_roundings(const CertifiedOutput& a, const CertifiedOutput& b) {
  if (a.entries.size() != b.entries.size()) return false;
  for (std::size_t e = 0; e < a.entries.size(); ++e)
    if (!a.entries[e].decided() || !b.entries[e].decided() || !same_bits(a.entries[e].t64, b.entries[e].t64) ||
        !same_bits(a.entries[e].t32, b.entries[e].t32))
      return false;
  return true;
}

bool identical(const Interval& a, const Interval& b) {
  return mpfr_equal_p(&a.get()->left, &b.get()->left) && mpfr_equal_p(&a.get()->right, &b.get()->right);
}

// Every output enclosure of the two problems at `precision` has the same endpoints.
bool identical_enclosures(const Problem& a, const Problem& b, mpfr_prec_t precision) {
  const FixedPrecisionEvaluator x(a, precision), y(b, precision);
  for (std::size_t i = 0; i < a.n_q(); ++i) {
    const RowSoftmax rx = x.softmax(i), ry = y.softmax(i);
    for (std::size_t c = 0; c < a.d_v(); ++c)
      if (!identical(x.output(rx, c), y.output(ry, c))) return false;
  }
  return true;
}

}  // namespace

// ==== (a) nothing changes without the conventions ==================================================

TEST_CASE("without conventions the enclosures are bit for bit those recorded before they existed",
          "[conventions][regression]") {
  const std::vector<Problem> problems = golden_problems();
  REQUIRE(problems.size() == sizeof kGoldenDigests / sizeof kGoldenDigests[0]);
  for (std::size_t k = 0; k < problems.size(); ++k) {
    INFO("golden problem " << k << ": " << describe(problems[k]));
    validate_problem(problems[k], "golden");
    CHECK(enclosure_digest(problems[k]) == kGoldenDigests[k]);
  }
}

TEST_CASE("the old enclose_rotated_row (a = 1) equals the new one without scaling and refuses scaling",
          "[conventions][geometry]") {
  Problem p = rope_problem(6, 10000, 1000003, 1000000, 7);
  const double* x = &p.Q.values[0];
  for (const CosSinEmulation e : {CosSinEmulation::exact, CosSinEmulation::bfloat16}) {
    p.rope.emulate.cos_sin = e;
    const RopeFrequencies f = enclose_rope_frequencies(p.rope, 128);
    CHECK(mpfr_cmp_ui(&f.attention_factor.get()->left, 1) == 0);
    CHECK(mpfr_cmp_ui(&f.attention_factor.get()->right, 1) == 0);
    const std::vector<Interval> a = enclose_rotated_row(x, p.d(), p.rope, f, 1000003, 128);
    const std::vector<Interval> b = enclose_rotated_row(x, p.d(), p.rope, f.theta, 1000003, 128);
    for (std::size_t l = 0; l < p.d(); ++l) CHECK(identical(a[l], b[l]));
  }
  p.rope.scaling = llama31();
  CHECK_THROWS_AS(enclose_rotated_row(x, p.d(), p.rope, enclose_frequencies(p.rope, 128), 3, 128),
                  std::invalid_argument);
}

TEST_CASE("hand values of the rotated rows at position 0: a folded in, ties to even, pass-through kept",
          "[conventions][geometry]") {
  // At position 0, cos = 1 and sin = 0 exactly, so c = RN_F(a), s = 0. yarn with factor 1 keeps theta.
  RopeParams rope;
  rope.rotary_dim = 4;
  rope.scaling.kind = Method::yarn;
  rope.scaling.factor = 1;
  rope.scaling.original_max_position_embeddings = 64;
  const double x[5] = {1, -2, 0.5, 3, 7};
  const auto rotated = [&](double attention, CosSinEmulation e) {
    rope.scaling.attention_factor = attention;
    rope.emulate.cos_sin = e;
    const std::vector<Interval> y = enclose_rotated_row(x, 5, rope, enclose_rope_frequencies(rope, 64), 0, 64);
    std::vector<double> mid;
    for (const Interval& v : y) {
      REQUIRE(mpfr_equal_p(&v.get()->left, &v.get()->right));  // a point
      mid.push_back(mpfr_get_d(&v.get()->left, MPFR_RNDN));
    }
    return mid;
  };
  CHECK(rotated(1.25, CosSinEmulation::exact) == std::vector<double>{1.25, -2.5, 0.625, 3.75, 7});
  CHECK(rotated(1.25, CosSinEmulation::float16) == std::vector<double>{1.25, -2.5, 0.625, 3.75, 7});
  // a = 1 + 2^-11 is the binary16 midpoint of 1 and 1 + 2^-10: RN16 gives 1 (even); bfloat16 too; binary32
  // keeps it.
  const double tie = 1 + 0x1p-11;
  CHECK(rotated(tie, CosSinEmulation::float16) == std::vector<double>{1, -2, 0.5, 3, 7});
  CHECK(rotated(tie, CosSinEmulation::bfloat16) == std::vector<double>{1, -2, 0.5, 3, 7});
  CHECK(rotated(tie, CosSinEmulation::float32) == std::vector<double>{tie, -2 * tie, 0.5 * tie, 3 * tie, 7});
  // 1 + 3 * 2^-11 is the midpoint of 1 + 2^-10 and 1 + 2^-9: RN16 gives the even 1 + 2^-9.
  const double up = 1 + 0x1p-9;
  CHECK(rotated(1 + 3 * 0x1p-11, CosSinEmulation::float16) == std::vector<double>{up, -2 * up, 0.5 * up, 3 * up, 7});
}

// ==== (c) identities ==============================================================================

TEST_CASE("linear scaling with factor 1 is no scaling, bit for bit", "[conventions][identity][property]") {
  rc::prop("linear factor 1 vs none", [] {
    Problem p = *ropecert_test::gen_rope_problem();
    RC_PRE(p.rope.angles == Angles::standard);
    p.rope.emulate.cos_sin = *rc::gen::element(CosSinEmulation::exact, CosSinEmulation::float32);
    Problem linear = p;
    linear.rope.scaling.kind = Method::linear;
    linear.rope.scaling.factor = 1;
    validate_problem(linear, "generated");
    RC_LOG() << describe(p);
    RC_ASSERT(identical_enclosures(p, linear, 64));
    RC_ASSERT(same_roundings(evaluate(p), evaluate(linear)));
  });
}

TEST_CASE("the attention factor a scales the rotary part of the logit by a^2, not the pass-through part",
          "[conventions][identity]") {
  // a = 5/4 with frequencies left alone (yarn with factor 1: c_p = 1; longrope with every e_p = 1), so the
  // logit is s ((25/16) q_rot . k_rot (rotated) + q_pass . k_pass): the same as no scaling with the rotary
  // dimensions of Q multiplied by 25/16 (exact: the entries are short dyadics).
  RopeScaling yarn;
  yarn.kind = Method::yarn;
  yarn.factor = 1;
  yarn.original_max_position_embeddings = 4096;
  yarn.attention_factor = 1.25;
  RopeScaling longrope;
  longrope.kind = Method::longrope;
  longrope.factor = 8;
  longrope.original_max_position_embeddings = 4096;
  longrope.attention_factor = 1.25;
  longrope.short_factor = longrope.long_factor = {1, 1, 1};
  for (const RopeScaling& s : {yarn, longrope}) {
    for (const Pairing pairing : {Pairing::half, Pairing::interleaved}) {
      Problem scaled = rope_problem(6, 10000, 20, 17, 11);
      scaled.rope.pairing = pairing;
      scaled.rope.scaling = s;
      validate_problem(scaled, "test");
      Problem plain = scaled;
      plain.rope.scaling = RopeScaling();
      for (std::size_t i = 0; i < plain.n_q(); ++i)
        for (std::size_t l = 0; l < plain.rope.rotary_dim; ++l) plain.Q.at(i, l) *= 1.5625;  // exact
      INFO("kind " << static_cast<int>(s.kind) << " pairing " << static_cast<int>(pairing));
      const CertifiedOutput a = evaluate(scaled), b = evaluate(plain);
      CHECK(same_roundings(a, b));
      // The same with a^2 on the whole logit (pass-through included) is another problem.
      Problem everything = plain;
      for (std::size_t i = 0; i < plain.n_q(); ++i)
        for (std::size_t l = plain.rope.rotary_dim; l < plain.d(); ++l) everything.Q.at(i, l) *= 1.5625;
      CHECK(some_t64_differs(a, evaluate(everything)));
      check_against_oracle(scaled);
    }
  }
}

// ==== (b) every scaling kind against the Arb oracle ===============================================

TEST_CASE("each scaling kind: certified outputs contain the Arb oracle's value", "[conventions][scaling][arb]") {
  for (const auto& [name, scaling] : hand_scalings()) {
    for (const std::int64_t offset : {std::int64_t(5000), std::int64_t(1000000)}) {
      INFO(name << ", offset " << offset);
      Problem p = rope_problem(8, 500000, offset + 3, offset, 23);
      const CertifiedOutput plain = evaluate(p);
      p.rope.scaling = scaling;
      validate_problem(p, "test");
      const CertifiedOutput scaled = check_against_oracle(p);
      CHECK(some_t64_differs(plain, scaled));  // the scaling is not ignored
      // With a cos / sin emulation on top (a folded in before the rounding).
      p.rope.emulate.cos_sin = CosSinEmulation::bfloat16;
      const CertifiedOutput emulated = check_against_oracle(p);
      CHECK(some_t64_differs(emulated, scaled));
    }
  }
}

TEST_CASE("Llama 3.1's bands at rotary_dim 8, base 500000: high, high, medium, low", "[conventions][scaling]") {
  // u_p = 8192 theta_p / (2 pi) = 1303.8, 49.0, 1.84, 0.069 for p = 0..3: planes 0, 1 unchanged, plane 2
  // smoothed, plane 3 divided by 8.
  RopeParams rope;
  rope.base = 500000;
  rope.rotary_dim = 8;
  const std::vector<Interval> theta = enclose_frequencies(rope, 128);
  rope.scaling = llama31();
  const RopeFrequencies scaled = enclose_rope_frequencies(rope, 128);
  CHECK(identical(scaled.theta[0], theta[0]));
  CHECK(identical(scaled.theta[1], theta[1]));
  Interval eighth = theta[3];
  mpfi_div_ui(eighth.get(), eighth.get(), 8);
  CHECK(identical(scaled.theta[3], eighth));
  CHECK(mpfr_cmp(&scaled.theta[2].get()->right, &theta[2].get()->left) < 0);
  Interval eighth2 = theta[2];
  mpfi_div_ui(eighth2.get(), eighth2.get(), 8);
  CHECK(mpfr_cmp(&scaled.theta[2].get()->left, &eighth2.get()->right) > 0);
}

TEST_CASE("a scaled frequency undecided at the working precision is decided at a higher one",
          "[conventions][scaling][branch]") {
  // low_freq_factor is the double nearest to u_3 = 91591 theta_3 / (2 pi) (r = 8, b = 10000): within
  // 2^-73 relative, so a 64-bit enclosure cannot tell the band (note 11, Lemma 4); 128 bits can.
  RopeScaling s = llama31();
  s.original_max_position_embeddings = 91591;
  s.low_freq_factor = 0x1.d27819126a453p+3;
  s.high_freq_factor = 20;
  REQUIRE_THROWS_AS(enclose_scaled_frequencies(s, 10000, 8, 64), std::domain_error);
  REQUIRE_NOTHROW(enclose_scaled_frequencies(s, 10000, 8, 256));
  Problem p = rope_problem(8, 10000, 100, 97, 5);
  p.rope.scaling = s;
  validate_problem(p, "test");
  const RopeFrequencies at64 = enclose_rope_frequencies(p.rope, 64);  // retried inside
  REQUIRE(at64.theta.size() == 4);
  CHECK(at64.theta[3].precision() == 64);
  const ScaledFrequencies at256 = enclose_scaled_frequencies(s, 10000, 8, 256);
  CHECK(mpfr_cmp(&at64.theta[3].get()->left, &at256.inverse_frequencies[3].get()->left) <= 0);
  CHECK(mpfr_cmp(&at64.theta[3].get()->right, &at256.inverse_frequencies[3].get()->right) >= 0);
  check_against_oracle(p);
}

// The random property against the Arb oracle with conventions is in tests/t-eval-vs-arb.cpp.

TEST_CASE("random problems with conventions: two precisions overlap, outputs stay in the V range, threads",
          "[conventions][property]") {
  rc::prop("consistency under the conventions", [] {
    ropecert_test::ProblemLimits limits;
    limits.conventions = true;
    const Problem p = *ropecert_test::gen_rope_problem(limits);
    RC_LOG() << describe(p);
    const FixedPrecisionEvaluator low(p, 64), high(p, 256);
    for (std::size_t i = 0; i < p.n_q(); ++i) {
      const RowSoftmax a_row = low.softmax(i), b_row = high.softmax(i);
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        const Interval a = low.output(a_row, c), b = high.output(b_row, c);
        RC_ASSERT(mpfr_lessequal_p(&a.get()->left, &b.get()->right));
        RC_ASSERT(mpfr_lessequal_p(&b.get()->left, &a.get()->right));
      }
    }
    EvalOptions two_threads;
    two_threads.threads = 2;
    const CertifiedOutput one = evaluate(p), two = evaluate_certified(p, two_threads);
    for (std::size_t e = 0; e < one.entries.size(); ++e) {
      RC_ASSERT(same_bits(one.entries[e].t64, two.entries[e].t64));
      RC_ASSERT(same_bits(one.entries[e].lo, two.entries[e].lo));
      RC_ASSERT(same_bits(one.entries[e].hi, two.entries[e].hi));
    }
    for (std::size_t i = 0; i < p.n_q(); ++i)
      for (std::size_t c = 0; c < p.d_v(); ++c) {
        double lo = INFINITY, hi = -INFINITY;
        for (std::size_t j = 0; j < p.n_k(); ++j)
          if (p.key_visible(i, j)) {
            lo = std::min(lo, p.V.at(j, c));
            hi = std::max(hi, p.V.at(j, c));
          }
        RC_ASSERT(lo <= one.at(i, c).t64);
        RC_ASSERT(one.at(i, c).t64 <= hi);
      }
  });
}

// ==== (d) the cos / sin emulation ==================================================================

namespace {

// RN_F(x) for the real in the Arb ball x, by MPFR (not round_mpfr): mpfr_get_flt for float32; for bfloat16
// and float16 a rounding to 8 / 11 significant bits, which is RN_F in F's normal range (checked).
// Both endpoints must agree.
double mpfr_round_to(const ArbBall& x, CosSinEmulation format) {
  mpfr_t lo, hi, r;
  mpfr_inits2(oracle_precision + 64, lo, hi, static_cast<mpfr_ptr>(nullptr));
  arb_get_interval_mpfr(lo, hi, x.get());
  double result[2];
  mpfr_srcptr ends[2] = {lo, hi};
  for (int k = 0; k < 2; ++k) {
    if (format == CosSinEmulation::float32) {
      result[k] = mpfr_get_flt(ends[k], MPFR_RNDN);
      continue;
    }
    const int bits = format == CosSinEmulation::bfloat16 ? 8 : 11;
    const long emin = format == CosSinEmulation::bfloat16 ? -126 : -14;
    REQUIRE(mpfr_cmpabs_ui(ends[k], 0) > 0);
    REQUIRE(mpfr_get_exp(ends[k]) - 1 >= emin);  // |x| >= 2^emin: normal, no subnormal quantum
    mpfr_init2(r, bits);
    mpfr_set(r, ends[k], MPFR_RNDN);
    result[k] = mpfr_get_d(r, MPFR_RNDN);  // exact
    mpfr_clear(r);
  }
  mpfr_clears(lo, hi, static_cast<mpfr_ptr>(nullptr));
  REQUIRE(result[0] == result[1]);
  return result[0];
}

// theta_p of standard angles in Arb: base^(-2p/r), or the given float32 values.
ArbBall arb_theta(const RopeParams& rope, std::size_t p, const std::vector<float>& float32_theta) {
  ArbBall theta, exponent, base;
  if (!float32_theta.empty()) {
    arb_set_d(theta.get(), float32_theta[p]);
    return theta;
  }
  arb_set_d(base.get(), rope.base);
  arb_set_si(exponent.get(), -2 * slong(p));
  arb_div_ui(exponent.get(), exponent.get(), rope.rotary_dim, oracle_precision);
  arb_pow(theta.get(), base.get(), exponent.get(), oracle_precision);
  return theta;
}

// The emulated rotated row R~_m x (c = RN_F(a cos phi), s = RN_F(a sin phi), a an exact double), each entry
// an exact rational made into a double (REQUIRE: it is one).
std::vector<double> emulated_row(const double* x, std::size_t d, const RopeParams& rope, double attention,
                                 std::int64_t m, const std::vector<float>& float32_theta) {
  std::vector<double> y(x, x + d);
  const auto planes = rotary_planes(rope.rotary_dim, rope.pairing);
  ArbBall phi, sine, cosine, a;
  arb_set_d(a.get(), attention);
  for (std::size_t p = 0; p < planes.size(); ++p) {
    arb_mul_si(phi.get(), arb_theta(rope, p, float32_theta).get(), slong(m), oracle_precision);
    arb_sin_cos(sine.get(), cosine.get(), phi.get(), oracle_precision);
    arb_mul(sine.get(), sine.get(), a.get(), oracle_precision);
    arb_mul(cosine.get(), cosine.get(), a.get(), oracle_precision);
    const Rational c(mpfr_round_to(cosine, rope.emulate.cos_sin)), s(mpfr_round_to(sine, rope.emulate.cos_sin));
    const auto [i, j] = planes[p];
    const Rational yi = c * Rational(x[i]) - s * Rational(x[j]), yj = s * Rational(x[i]) + c * Rational(x[j]);
    y[i] = yi.convert_to<double>();
    y[j] = yj.convert_to<double>();
    REQUIRE(Rational(y[i]) == yi);
    REQUIRE(Rational(y[j]) == yj);
  }
  return y;
}

// Kind general with W_k = I and the emulated rotated rows as Q and K: M_ij = s (R~ q_i)^T (R~ k_j), the
// emulated logits (the emulated rotations are not a function of a_i - b_j, so W cannot carry them). Needs
// q_offset == k_offset and n_q == n_k, so that the causal masks agree.
Problem emulated_as_general(const Problem& p, double attention, const std::vector<float>& float32_theta) {
  REQUIRE(p.rope.q_offset == p.rope.k_offset);
  REQUIRE(p.n_q() == p.n_k());
  Problem g = p;
  g.kind = Kind::general;
  g.rope = RopeParams();
  for (std::size_t i = 0; i < p.n_q(); ++i) {
    const std::vector<double> row =
        emulated_row(&p.Q.values[i * p.d()], p.d(), p.rope, attention, p.query_position(i), float32_theta);
    std::copy(row.begin(), row.end(), &g.Q.values[i * p.d()]);
  }
  for (std::size_t j = 0; j < p.n_k(); ++j) {
    const std::vector<double> row =
        emulated_row(&p.K.values[j * p.d()], p.d(), p.rope, attention, p.key_position(j), float32_theta);
    std::copy(row.begin(), row.end(), &g.K.values[j * p.d()]);
  }
  Matrix identity(p.d(), p.d());
  for (std::size_t l = 0; l < p.d(); ++l) identity.at(l, l) = 1;
  g.W.assign(2 * p.n_q() - 1, identity);
  validate_problem(g, "emulated as general");
  return g;
}

}  // namespace

TEST_CASE("cos/sin emulation at offset 10^6 equals kind general on the emulated rows, and moves the outputs",
          "[conventions][emulation]") {
  for (const CosSinEmulation format : {CosSinEmulation::float32, CosSinEmulation::bfloat16, CosSinEmulation::float16}) {
    for (const Pairing pairing : {Pairing::half, Pairing::interleaved}) {
      INFO("format " << static_cast<int>(format) << " pairing " << static_cast<int>(pairing));
      Problem exact = rope_problem(8, 10000, 1000000, 1000000, 31, 4, 4);
      exact.rope.pairing = pairing;
      Problem p = exact;
      p.rope.emulate.cos_sin = format;
      validate_problem(p, "test");
      const CertifiedOutput emulated = evaluate(p), reference = evaluate(emulated_as_general(p, 1, {}));
      CHECK(same_roundings(emulated, reference));
      // Measurably different from the exact rotation: some entry moves by more than 2^-30 (float32) or
      // 2^-16 (the 16-bit formats), far beyond the enclosures' widths.
      const CertifiedOutput unemulated = evaluate(exact);
      double largest = 0;
      for (std::size_t e = 0; e < emulated.entries.size(); ++e)
        largest = std::max(largest, std::fabs(emulated.entries[e].t64 - unemulated.entries[e].t64));
      INFO("largest change " << largest);
      CHECK(largest > (format == CosSinEmulation::float32 ? 0x1p-30 : 0x1p-16));
      check_against_oracle(p);
    }
  }
}

TEST_CASE("cos/sin emulation folds the attention factor in before rounding", "[conventions][emulation]") {
  // longrope with every e_p = 1 and attention_factor 1.25: theta_p unchanged, c = RN_F(1.25 cos phi).
  for (const CosSinEmulation format : {CosSinEmulation::float32, CosSinEmulation::bfloat16}) {
    INFO("format " << static_cast<int>(format));
    Problem p = rope_problem(6, 10000, 1000000, 1000000, 37, 3, 3);
    p.rope.scaling.kind = Method::longrope;
    p.rope.scaling.factor = 4;
    p.rope.scaling.original_max_position_embeddings = 4096;
    p.rope.scaling.attention_factor = 1.25;
    p.rope.scaling.short_factor = p.rope.scaling.long_factor = {1, 1, 1};
    p.rope.emulate.cos_sin = format;
    validate_problem(p, "test");
    CHECK(same_roundings(evaluate(p), evaluate(emulated_as_general(p, 1.25, {}))));
    check_against_oracle(p);
  }
}

// ==== (e) inv_freq float32 ======================================================================

TEST_CASE("inv_freq float32: theta_p are hf_default_inv_freq_float32's values", "[conventions][inv-freq]") {
  for (const double base : {10000.0, 500000.0, 10000.3}) {
    RopeParams rope;
    rope.base = base;
    rope.rotary_dim = 64;
    rope.emulate.inv_freq = InvFreqEmulation::float32;
    const RopeFrequencies f = enclose_rope_frequencies(rope, 128);
    const std::vector<float> expected = hf_default_inv_freq_float32(base, 64);
    const std::vector<float> twin = ropecert_test::arb_inv_freq_float32(base, 64, 128);
    REQUIRE(f.theta.size() == 32);
    for (std::size_t p = 0; p < 32; ++p) {
      INFO("base " << base << " plane " << p);
      CHECK(mpfr_cmp_d(&f.theta[p].get()->left, expected[p]) == 0);
      CHECK(mpfr_cmp_d(&f.theta[p].get()->right, expected[p]) == 0);
      CHECK(hex(twin[p]) == hex(expected[p]));  // the oracle's independent route
    }
    CHECK(mpfr_cmp_ui(&f.attention_factor.get()->left, 1) == 0);
  }
}

TEST_CASE("inv_freq float32 changes RN32 of an output at a large position", "[conventions][inv-freq]") {
  // Without the cos / sin emulation only b_j - a_i matters (R_a^T R_b = R_{b-a}), so the queries sit 10^6
  // positions after the keys: the float32 theta_p (within 2 ulps, note 11, Lemma 6) move the angles by about
  // 10^6 theta_p 2^-24.
  bool changed = false;
  for (std::uint64_t seed = 1; seed <= 8 && !changed; ++seed) {
    Problem exact = rope_problem(8, 500000, 1000003, 0, seed, 2, 4);
    Problem p = exact;
    p.rope.emulate.inv_freq = InvFreqEmulation::float32;
    validate_problem(p, "test");
    const CertifiedOutput a = evaluate(exact), b = check_against_oracle(p);
    for (std::size_t e = 0; e < a.entries.size(); ++e)
      if (!same_bits(a.entries[e].t32, b.entries[e].t32)) changed = true;
  }
  CHECK(changed);
  // Combined with the float32 cos / sin, kind general on the emulated rows (theta from the oracle's route).
  Problem p = rope_problem(8, 500000, 1000000, 1000000, 41, 3, 3);
  p.rope.emulate.inv_freq = InvFreqEmulation::float32;
  p.rope.emulate.cos_sin = CosSinEmulation::float32;
  validate_problem(p, "test");
  const std::vector<float> theta = ropecert_test::arb_inv_freq_float32(500000, 8, 128);
  CHECK(same_roundings(evaluate(p), evaluate(emulated_as_general(p, 1, theta))));
}

// ==== the other algorithms refuse the conventions ==================================================

TEST_CASE("the fast algorithm, the binary64 baseline and the exact view refuse scaling and emulation",
          "[conventions][refuse]") {
  Problem p = rope_problem(8, 10000, 3, 0, 3);
  validate_problem(p, "test");
  CHECK_NOTHROW(attention_quadratic_double(p));
  CHECK_NOTHROW(plan_fast(p, Rational(1, 10), FastRoute::toeplitz, FastArithmetic::binary64, Integer(1) << 62));
  std::vector<Problem> variants;
  Problem v = p;
  v.rope.scaling = llama31();
  variants.push_back(v);
  v = p;
  v.rope.emulate.inv_freq = InvFreqEmulation::float32;
  variants.push_back(v);
  v = p;
  v.rope.emulate.cos_sin = CosSinEmulation::float16;
  variants.push_back(v);
  v.rope.angles = Angles::pythagorean;  // the cos / sin emulation is allowed with pythagorean angles
  variants.push_back(v);
  for (const Problem& q : variants) {
    INFO(describe(q));
    validate_problem(q, "test");
    CHECK_THROWS_AS(attention_quadratic_double(q), std::invalid_argument);
    for (const FastArithmetic arithmetic : {FastArithmetic::exact, FastArithmetic::binary64})
      CHECK_THROWS_WITH(plan_fast(q, Rational(1, 1000), FastRoute::toeplitz, arithmetic, Integer(100000)),
                        Catch::Contains("the fast algorithm does not support rope scaling / emulation"));
    CHECK(exact_view_unavailable(q).find("rope.scaling, rope.emulate") != std::string::npos);
  }
  Problem pythagorean = p;
  pythagorean.rope.angles = Angles::pythagorean;
  CHECK(exact_view_unavailable(pythagorean).empty());
}

// ==== (f) bad inputs through the CLI ================================================================

TEST_CASE("bad conventions in case.json: exit 2 and one line naming case.json", "[conventions][cli][errors]") {
  ropecert_test::TempDir tmp;
  int count = 0;
  const auto check = [&](const std::string& rope, const std::string& fragment) {
    const fs::path dir = tmp / ("c" + std::to_string(count++));
    fs::create_directory(dir);
    std::ofstream(dir / "case.json") << R"({"format": "ropecert-case/1", "kind": "rope", "rope": {)" << rope << "}}";
    write_npy_float64(dir / "Q.npy", {2, 8}, std::vector<double>(16, 0.5));
    write_npy_float64(dir / "K.npy", {3, 8}, std::vector<double>(24, 0.25));
    write_npy_float64(dir / "V.npy", {3, 1}, {1, 2, 3});
    INFO(rope);
    const ropecert_test::CliResult r = ropecert_test::run_cli({"eval", dir.string(), "--out", (tmp / "out").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find((dir / "case.json").string()) != std::string::npos);
    CHECK(r.err.find(fragment) != std::string::npos);
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
    CHECK(!fs::exists(tmp / "out"));
  };
  check(R"("scaling": {"rope_type": "linear", "factor": 2, "facter": 3})", "unknown key 'rope.scaling.facter'");
  check(R"("scaling": {"rope_type": "ntk", "factor": 2})", "key 'rope.scaling.rope_type' is \"ntk\"");
  check(R"("scaling": {"factor": 2})", "missing required key 'rope.scaling.rope_type'");
  check(R"("scaling": {"rope_type": "linear", "factor": "2"})", "key 'rope.scaling.factor' must be a number");
  check(R"("scaling": {"rope_type": "yarn", "factor": 4, "original_max_position_embeddings": 64, "truncate": 1})",
        "key 'rope.scaling.truncate' must be true or false");
  check(R"("scaling": {"rope_type": "linear", "factor": 2}, "angles": "pythagorean")",
        "rope.scaling needs angles \"standard\"");
  check(R"("scaling": {"rope_type": "longrope", "factor": 2, "original_max_position_embeddings": 4096,
                       "short_factor": [1, 1, 1], "long_factor": [1, 1, 1, 1]})",
        "rope scaling (longrope): short_factor has 3 values, need rotary_dim / 2 = 4");
  check(R"("scaling": {"rope_type": "longrope", "factor": 2, "original_max_position_embeddings": 4096,
                       "short_factor": [1, 1, 1, "x"], "long_factor": [1, 1, 1, 1]})",
        "element 3 is \"x\"");
  check(R"("scaling": {"rope_type": "linear", "factor": 0.5})", "rope scaling (linear): factor 0.5");
  check(R"("scaling": {"rope_type": "llama3", "factor": 8, "original_max_position_embeddings": -1})",
        "key 'rope.scaling.original_max_position_embeddings' must be >= 0");
  check(R"("scaling": {"rope_type": "linear", "factor": 2}, "emulate": {"inv_freq": "float32"})",
        "HF's scaled float32 paths are out of scope");
  check(R"("emulate": {"inv_freq": "float32"}, "angles": "pythagorean")",
        "rope.emulate.inv_freq \"float32\" needs angles \"standard\"");
  check(R"("emulate": {"cos_sin": "float8"})", "key 'rope.emulate.cos_sin' is \"float8\"");
  check(R"("emulate": {"cos_sin": "float32", "angle": "float32"})", "unknown key 'rope.emulate.angle'");
  check(R"("emulate": "float32")", "key 'rope.emulate' must be an object");
  check(R"("scaling": [1])", "key 'rope.scaling' must be an object");
}

TEST_CASE("ropecert fast refuses a case with conventions: exit 2", "[conventions][cli][refuse]") {
  ropecert_test::TempDir tmp;
  Problem p = rope_problem(8, 10000, 3, 0, 3);
  p.rope.emulate.cos_sin = CosSinEmulation::bfloat16;
  fs::create_directory(tmp / "case");
  save_case(p, tmp / "case");
  const ropecert_test::CliResult r = ropecert_test::run_cli(
      {"fast", (tmp / "case").string(), "--eps", "1e-3", "--arith", "double", "--out", (tmp / "out").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("the fast algorithm does not support rope scaling / emulation") != std::string::npos);
  // ropecert eval accepts it and writes the certified outputs.
  const ropecert_test::CliResult ok =
      ropecert_test::run_cli({"eval", (tmp / "case").string(), "--out", (tmp / "eval").string()});
  CHECK(ok.exit_code == 0);
  const NpyArray t = read_npy(tmp / "eval" / "T.npy");
  const CertifiedOutput expected = evaluate(p);
  REQUIRE(t.values.size() == expected.entries.size());
  for (std::size_t e = 0; e < t.values.size(); ++e) CHECK(same_bits(t.values[e], expected.entries[e].t64));
}

// ==== exact rows under the conventions (a defect found while wiring them, fixed) ========================

TEST_CASE("exact rows under the attention factor or the cos / sin emulation", "[exact-rows]") {
  // row_logits_provably_equal (exact_rows.cpp) takes a same-position key's rotary planes as contributing
  // q_a k_a + q_b k_b, which is a^2 (q_a k_a + q_b k_b) with an attention factor a, and (c^2 + s^2) (...)
  // with the cos / sin emulation. Here the exact logits differ by (a^2 - 1) 2^-68 = 0.5625 * 2^-68, too
  // little for a 64-bit enclosure, so the row is settled as an exact mean (a binary64 tie, rounded to even,
  // down) while the true output lies above the tie. Fix: in rational_rope_logit, return nullopt for a
  // same-position key with non-zero planes when rope.scaling gives a != 1 or rope.emulate.cos_sin != exact.
  Problem p;
  p.kind = Kind::rope;
  p.mask = MaskKind::causal;
  p.scale = {Scale::Rule::decimal, "1"};
  p.rope.rotary_dim = 2;
  p.rope.q_offset = 1;  // the query sits on key 1
  p.rope.k_offset = 0;
  p.rope.scaling.kind = Method::yarn;
  p.rope.scaling.factor = 1;  // theta unchanged
  p.rope.scaling.original_max_position_embeddings = 4096;
  p.rope.scaling.attention_factor = 1.25;
  p.Q = Matrix(1, 4);
  p.Q.values = {0x1p-34, 0, 1, 0x1p-34};
  p.K = Matrix(2, 4);
  p.K.values = {0,       0, 1, 0x1p-34,  // key 0: rotary planes zero, logit 1 + 2^-68
                0x1p-34, 0, 1, 0};       // key 1: same position as the query, logit 1 + a^2 2^-68
  p.V = Matrix(2, 1);
  p.V.values = {1, 1 + 0x1p-52};
  validate_problem(p, "test");
  check_against_oracle(p);
}
