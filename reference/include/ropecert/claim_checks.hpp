// Property checks behind the audit of the paper's structure claims (DIGEST sections 2 and 4).
// Each runs RapidCheck with a given seed over small exact problems (kind general, and kind rope
// with pythagorean angles), shrinks any counterexample, and returns the evidence. The tests in
// tests/t-claims.cpp assert the expected outcome of each; `ropecert audit` prints the evidence.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ropecert {

struct PropertyEvidence {
  std::string name;       // e.g. "P-circulant"
  std::string statement;  // the property checked, one line
  std::string domain;     // what was sampled, one line
  bool holds = false;     // true: no counterexample in `cases` cases
  int cases = 0;          // cases that satisfied the property
  std::uint64_t seed = 0;
  std::string distribution;    // RapidCheck tags of the passing cases, e.g. "periodic: 31, not periodic: 29"
  std::string counterexample;  // the shrunk counterexample, exact; "" when the property holds
  std::size_t counterexample_n = 0;
};

// P-circulant (claim C3 as stated): every C^{l1,l2} of a rational-RoPE case is circulant.
// Expected: refuted, with a shrunk counterexample of size n <= 3.
PropertyEvidence check_circulant_claim(std::uint64_t seed, int cases);

// P-periodic: for kind general, every C^{l1,l2} is circulant iff the family is n-periodic
// (both directions: periodic and non-periodic families are generated).
PropertyEvidence check_circulant_iff_periodic(std::uint64_t seed, int cases);

// P-toeplitz (C3 corrected): every C^{l1,l2} is Toeplitz, for both kinds, with offsets.
PropertyEvidence check_toeplitz(std::uint64_t seed, int cases);

// P-hadamard (C5 corrected): the entrywise product of two rescaled Toeplitz matrices is the
// rescaled Toeplitz matrix of the products of their scalings and symbols.
PropertyEvidence check_hadamard(std::uint64_t seed, int cases);

// P-decomposition (C4, Claim 4.8): M = s sum_S diag(Q_{*,l1}) C^{l1,l2} diag(K_{*,l2}) exactly.
PropertyEvidence check_decomposition(std::uint64_t seed, int cases);

// P-rank-rope (C9 for standard-RoPE-shaped problems): rank(M) <= d and, for the shifted Taylor
// polynomial P of degree g in {1, 2}, rank(P(M)) <= binom(d + g, g).
PropertyEvidence check_rope_rank(std::uint64_t seed, int cases);

// P-rank-general (C9 for general couplings): "rank(M) <= d" over random general families.
// Expected: refuted (general couplings reach rank n > d), with a shrunk counterexample.
PropertyEvidence check_general_rank(std::uint64_t seed, int cases);

// P-count (C6): the expansion of P(M) has binom(|S| + g, g) terms, sums to P(M) exactly, and has
// at most that many distinct non-zero terms, with equality for generic (random) families.
PropertyEvidence check_term_count(std::uint64_t seed, int cases);

// P-transfer (C12): in a softmax row with weights perturbed as A~_j = A_j (1 - eta_j),
// 0 <= eta_j <= delta, the output moves by at most range(V) delta / (4 (1 - delta)) (note 31),
// which is below the AS23 bound 2 delta ||V||_inf; eta patterns include the extreme ones.
// Also records the largest observed ratio |T~ - T| / bound in `distribution`.
PropertyEvidence check_error_transfer(std::uint64_t seed, int cases);

}  // namespace ropecert
