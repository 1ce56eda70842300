// Running the fast algorithm on a case, in exact arithmetic: choose the degree g for a target
// output error eps (proofs-notes/30-polynomial-approximation.md, 31-error-transfer.md), then
// compute the surrogate T~ by the Toeplitz or the low-rank route (32-fast-algorithm-exact.md).
#pragma once
#include <cstddef>

#include <mpfr.h>

#include "ropecert/exact_numbers.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rational_matrix.hpp"

namespace ropecert {

enum class FastRoute { toeplitz, lowrank };

struct FastPlan {
  Rational scale;         // s, exact
  Rational R;             // max |M_ij|, exact (so every logit lies in [-R, R])
  Rational v_range;       // max V - min V over all of V (bounds every row's visible range)
  Rational eps;           // the requested bound on ||T~ - T||_inf
  Rational target_delta;  // the largest delta whose transfer bound is <= eps
  std::size_t g = 0;      // the least degree with delta(R, g) <= target_delta
  Rational delta;         // delta(R, g) = (2R)^(g+1) / (g+1)!
  Rational bound;         // a-priori bound on ||T~ - T||_inf: range delta / (4 (1 - delta)) <= eps
  Integer terms;          // binom(|S| + g, g) (Toeplitz) or binom(d + g, g) (low-rank)
  double lemma31_degree;  // the formula of Lemma 3.1 with B = 2R (the length of [-R, R]), for comparison
};

// The plan for `problem` and `eps`. Throws InputError (naming "case" or "--eps") when the problem has
// no exact view (standard RoPE angles), the scale has no exact value (inv_sqrt_d with d not a
// perfect square), eps <= 0, the route is lowrank for kind general, or the plan needs more than
// `max_terms` terms (the message says how many).
FastPlan plan_fast_exact(const Problem& problem, const Rational& eps, FastRoute route, const Integer& max_terms);

// T~ (n_q x d_v), exact, by the chosen route with P = the shifted Taylor polynomial of degree g at R.
RationalMatrix run_fast_exact(const Problem& problem, const FastPlan& plan, FastRoute route);

// An upper bound on ||T~ - T||_inf that is rigorous: max over entries of the largest distance from
// T~ to the endpoints of the certified enclosure of T at `precision` bits (fixed_precision_eval.hpp),
// compared exactly. It exceeds the true error by at most the enclosure width (~2^-precision |T|).
Rational certified_max_error(const Problem& problem, const RationalMatrix& t, mpfr_prec_t precision);

}  // namespace ropecert
