#include "ropecert/fast_run.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ropecert/approximation.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/exact_problem.hpp"
#include "ropecert/fast_attention.hpp"
#include "ropecert/fixed_precision_eval.hpp"
#include "ropecert/polynomial.hpp"
#include "ropecert/structure.hpp"

namespace ropecert {

FastPlan plan_fast_exact(const Problem& problem, const Rational& eps, FastRoute route, const Integer& max_terms) {
  const std::string why = exact_view_unavailable(problem);
  if (!why.empty()) throw InputError("case: exact arithmetic needs rational rotations: " + why);
  if (route == FastRoute::lowrank && problem.kind != Kind::rope)
    throw InputError("--route lowrank: needs kind rope (general couplings have no low-rank form)");
  if (eps <= 0) throw InputError("--eps: must be > 0");
  FastPlan plan;
  const std::optional<Rational> scale = exact_scale(problem.scale, problem.d());
  if (!scale)
    throw InputError("case: scale has no exact rational value (inv_sqrt_d with d = " + std::to_string(problem.d()) +
                     " not a perfect square); give the scale as a decimal string");
  plan.scale = *scale;
  plan.R = max_abs(exact_logits(problem, plan.scale));
  const auto [v_min, v_max] = std::minmax_element(problem.V.values.begin(), problem.V.values.end());
  plan.v_range = Rational(*v_max) - Rational(*v_min);
  plan.eps = eps;
  // With V constant every polynomial gives T~ = T: degree 0 suffices.
  plan.target_delta = plan.v_range > 0 ? delta_for_output_error(eps, plan.v_range) : Rational(1, 2);
  plan.g = least_degree(plan.R, plan.target_delta);
  plan.delta = taylor_relative_error_bound(plan.R, plan.g);
  plan.bound = transfer_bound_tight(plan.delta, plan.v_range);
  const std::size_t kinds = route == FastRoute::toeplitz ? coupling_support(problem).size() : problem.d();
  plan.terms = binomial(kinds + plan.g, plan.g);
  const double eps_double = static_cast<double>(eps), two_r = 2 * static_cast<double>(plan.R);
  plan.lemma31_degree = two_r > 0 && eps_double < 1 ? lemma31_degree_formula(two_r, eps_double) : 0;
  if (plan.terms > max_terms)
    throw InputError("--eps: needs g = " + std::to_string(plan.g) + " and " + plan.terms.str() +
                     " terms, more than --max-terms " + max_terms.str());
  return plan;
}

RationalMatrix run_fast_exact(const Problem& problem, const FastPlan& plan, FastRoute route) {
  const std::vector<Rational> coefficients = shifted_taylor_coefficients(plan.R, plan.g);
  return route == FastRoute::toeplitz ? surrogate_attention_toeplitz(problem, plan.scale, coefficients)
                                      : surrogate_attention_lowrank(problem, plan.scale, coefficients);
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
