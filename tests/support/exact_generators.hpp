// Small problems with an exact view (exact_problem.hpp), drawn inside a RapidCheck property: kind
// general and kind rope with pythagorean angles, entries k/4 with |k| <= 8 (exact in binary64 and as
// rationals), scale 1/d. Used by the fast-algorithm tests, which compute with rationals.
#pragma once
#include <cstddef>

#include <rapidcheck.h>

#include "ropecert/problem.hpp"

namespace ropecert_test {

// Uniform in [lo, hi) whatever the test size (rc::gen::inRange scales its range with the size,
// which would make g = 3 or n = 5 rare); still shrinks towards lo. Call inside a property.
template <typename T>
T uniform(T lo, T hi) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

// Kind general: n_q = n_k = n in 1..5, d in 1..3, random W_k (some zero), mask none or causal.
ropecert::Problem random_general();

// Kind rope, pythagorean angles: n_q, n_k in 1..5, d in {2, 4}, rotary_dim in {2, d}, random
// pairing, offsets 0..3 (causal: k_offset <= q_offset, so no row is empty).
ropecert::Problem random_rope();

}  // namespace ropecert_test
