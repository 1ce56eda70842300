#include "ropecert/fast_run.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ropecert/approximation.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_attention.hpp"
#include "ropecert/fast_inputs.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "ropecert/logit_scale.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/structure.hpp"

namespace ropecert {

FastPlan plan_fast(const Problem& problem, const Rational& eps, FastRoute route, FastArithmetic arithmetic,
                   const Integer& max_terms) {
  const std::string unsupported = fast_conventions_unsupported(problem);
  if (!unsupported.empty()) throw InputError("case: " + unsupported + "; use ropecert eval");
  if (route == FastRoute::lowrank && problem.kind != Kind::rope)
    throw InputError("--route lowrank: needs kind rope (general couplings have no low-rank form)");
  if (eps <= 0) throw InputError("--eps: must be > 0");
  FastPlan plan;
  plan.arithmetic = arithmetic;
  if (arithmetic == FastArithmetic::exact) {
    const std::string why = exact_view_unavailable(problem);
    if (!why.empty())
      throw InputError("case: exact arithmetic needs rational rotations: " + why + " (or use --arith double)");
    plan.scale = exact_scale(problem.scale, problem.d());
    if (!plan.scale)
      throw InputError("case: scale has no exact rational value (inv_sqrt_d with d = " + std::to_string(problem.d()) +
                       " not a perfect square); give the scale as a decimal string, or use --arith double");
  }
  if (arithmetic == FastArithmetic::binary64) binary64_scale(problem);  // refuses a scale binary64 cannot hold
  const LogitBound logits = bound_logits(problem);
  plan.R = logits.R;
  plan.rho = arithmetic == FastArithmetic::binary64 ? logits.rho : Rational(0);
  const auto [v_min, v_max] = std::minmax_element(problem.V.values.begin(), problem.V.values.end());
  plan.v_range = Rational(*v_max) - Rational(*v_min);
  plan.eps = eps;
  // With V constant every polynomial gives T~ = T: degree 0 suffices.
  const Rational total_delta = plan.v_range > 0 ? delta_for_output_error(eps, plan.v_range) : Rational(1, 2);
  plan.target_delta = total_delta - 2 * plan.rho;
  if (plan.target_delta <= 0)
    throw InputError("--eps: below what the binary64 inputs allow (their rounding moves the logits by up to " +
                     std::to_string(static_cast<double>(plan.rho)) + "); use --arith exact");
  try {
    plan.g = least_degree_sharp(plan.R, plan.target_delta);
  } catch (const std::invalid_argument&) {
    throw InputError("--eps: needs a degree g above " + std::to_string(least_degree_cap) + " (R = " +
                     std::to_string(static_cast<double>(plan.R)) + "); the polynomial method does not pay here");
  }
  plan.delta = taylor_relative_error_sharp(plan.R, plan.g);
  plan.bound = transfer_bound_tight(plan.delta + 2 * plan.rho, plan.v_range);
  plan.support = structural_support(problem).size();
  const std::size_t kinds = route == FastRoute::toeplitz ? plan.support : problem.d();
  plan.terms = binomial(kinds + plan.g, plan.g);
  const double eps_double = static_cast<double>(eps), two_r = 2 * static_cast<double>(plan.R);
  plan.lemma31_degree = two_r > 0 && eps_double < 1 ? lemma31_degree_formula(two_r, eps_double) : 0;
  if (plan.terms > max_terms)
    throw InputError("--eps: needs g = " + std::to_string(plan.g) + " and " + plan.terms.str() +
                     " terms, more than --max-terms " + max_terms.str());
  return plan;
}

RationalMatrix run_fast_exact(const Problem& problem, const FastPlan& plan, FastRoute route) {
  if (plan.arithmetic != FastArithmetic::exact || !plan.scale)
    throw std::invalid_argument("run_fast_exact: the plan is not for exact arithmetic");
  const std::vector<Rational> coefficients = shifted_taylor_coefficients(plan.R, plan.g);
  return route == FastRoute::toeplitz ? surrogate_attention_toeplitz(problem, *plan.scale, coefficients)
                                      : surrogate_attention_lowrank(problem, *plan.scale, coefficients);
}

Binary64Result run_fast_binary64(const Problem& problem, const FastPlan& plan, FastRoute route) {
  if (plan.arithmetic != FastArithmetic::binary64)
    throw std::invalid_argument("run_fast_binary64: the plan is not for binary64");
  const std::vector<Rational> coefficients = shifted_taylor_coefficients(plan.R, plan.g);
  return route == FastRoute::toeplitz ? surrogate_attention_toeplitz_binary64(problem, coefficients)
                                      : surrogate_attention_lowrank_binary64(problem, coefficients);
}

Rational certified_max_error(const Problem& problem, const RationalMatrix& t, mpfr_prec_t precision) {
  const FixedPrecisionEvaluator evaluator(problem, precision);
  Rational largest = 0, lo, hi;
  for (std::size_t i = 0; i < problem.n_q(); ++i) {
    const RowSoftmax row = evaluator.softmax(i);
    for (std::size_t c = 0; c < problem.d_v(); ++c) {
      const Interval enclosure = evaluator.output(row, c);
      if (!enclosure.is_finite()) throw std::runtime_error("certified_max_error: enclosure not finite");
      mpfr_get_q(lo.backend().data(), &enclosure.get()->left);
      mpfr_get_q(hi.backend().data(), &enclosure.get()->right);
      const Rational& value = t.at(i, c);
      largest = std::max({largest, Rational(abs(value - lo)), Rational(abs(hi - value))});
    }
  }
  return largest;
}

}  // namespace ropecert
