// Running the fast algorithm on a case: choose the degree g for a target output error eps
// (proofs-notes/30-polynomial-approximation.md, 31-error-transfer.md), then compute the surrogate T~ by
// the Toeplitz or the low-rank route, in exact arithmetic (32-fast-algorithm-exact.md) or in binary64
// (33-fast-algorithm-binary64.md).
#pragma once
#include <cstddef>
#include <optional>

#include <mpfr.h>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/fast_double.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

enum class FastRoute { toeplitz, lowrank };
enum class FastArithmetic { exact, binary64 };

struct FastPlan {
  FastArithmetic arithmetic = FastArithmetic::exact;
  std::optional<Rational> scale;  // s exactly (exact arithmetic only)
  Rational R;                     // dyadic >= max |M_ij| (and >= max |M'_ij| in binary64), from norms (bound_logits)
  Rational rho;                   // binary64: bound on |M' - M| from the rounded inputs; exact: 0
  Rational v_range;               // max V - min V over all of V (bounds every row's visible range)
  Rational eps;                   // the requested bound on ||T~ - T||_inf
  Rational target_delta;          // the largest delta whose transfer bound (with rho) is <= eps
  std::size_t g = 0;              // the least degree with delta(R, g) <= target_delta
  Rational delta;                 // the sharp relative error of P on [-R, R], taylor_relative_error_sharp(R, g)
  Rational bound;                 // a-priori bound on ||T~' - T||_inf: transfer_bound_tight(delta + 2 rho) <= eps
  std::size_t support = 0;        // |S| (structural_support)
  Integer terms;                  // binom(|S| + g, g) (Toeplitz) or binom(d + g, g) (low-rank)
  double lemma31_degree = 0;      // the formula of Lemma 3.1 with B = 2R (the length of [-R, R]), for comparison
};

// The plan for `problem` and `eps`. R comes from norms (bound_logits, O((n_q + n_k) d) work, no pass over
// the n_q x n_k logits). In binary64 the inputs' perturbation rho (Lemma 33.2) enters the bound as
// delta + 2 rho (proofs-notes/33-fast-algorithm-binary64.md, Lemma 33.7(a)). Throws InputError (naming "case" or an
// option) when: exact arithmetic and the problem has no exact view (standard RoPE angles) or the scale has
// no exact value (inv_sqrt_d with d not a perfect square); eps <= 0; eps too small for the binary64 inputs
// (2 rho would exceed the target); binary64 and the scale is subnormal or beyond binary64's range
// (binary64_scale); the route is lowrank for kind general; the case uses RoPE frequency scaling or emulation
// (fast_conventions_unsupported); the plan needs more than `max_terms` terms (the message says how many).
FastPlan plan_fast(const Problem& problem, const Rational& eps, FastRoute route, FastArithmetic arithmetic,
                   const Integer& max_terms);

// T~ (n_q x d_v), exact, by the chosen route with P = the shifted Taylor polynomial of degree g at R.
// Precondition: plan.arithmetic == exact (std::invalid_argument otherwise).
RationalMatrix run_fast_exact(const Problem& problem, const FastPlan& plan, FastRoute route);

// T~ in binary64 by the chosen route, with its rounding bound (fast_double.hpp). The total bound on
// ||T~ - T||_inf is plan.bound + result.rounding_bound. Precondition: plan.arithmetic == binary64.
Binary64Result run_fast_binary64(const Problem& problem, const FastPlan& plan, FastRoute route);

// An upper bound on ||T~ - T||_inf that is rigorous: max over entries of the largest distance from
// T~ to the endpoints of the certified enclosure of T at `precision` bits (fixed_precision_eval.hpp),
// compared exactly. It exceeds the true error by at most the enclosure width (~2^-precision |T|).
Rational certified_max_error(const Problem& problem, const RationalMatrix& t, mpfr_prec_t precision);

}  // namespace ropecert
