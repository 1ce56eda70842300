// The fast certified route of evaluate_certified (proofs-notes/13-fast-certified-path.md, section fast_route):
// rotated rows from MPFI as double words with radii, logits as exact Ozaki slice products accumulated in
// double-word arithmetic, a double-word exp with a proven bound, the output numerators as slice products,
// every rounding error bounded, and the four roundings decided from the resulting enclosure by the same rule
// as the MPFI route (note 10, Lemma 4). Rows it cannot decide, or that leave its proven range, are left to
// the MPFI Ziv loop with the reason.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <mpfi.h>

#include "ropecert/certified_eval.hpp"

namespace ropecert {

// Evaluates every row of `problem` (validated) on the fast route, on up to `threads` threads. For each row it
// either settles all d_v entries of that row in `entries` (row-major n_q x d_v: every rounding the enclosure
// decides, which includes every format of `formats` (an OutputFormat set), the enclosure, decided_by =
// EvalRoute::fast) and returns "" in the row's slot, or leaves the row's entries untouched and returns why the
// row falls back. Byte-identical results for any thread count.
// progress(rows finished) is called from the calling thread about once a second, if set.
// observe(row, column, enclosure), if set, is called for every entry whose enclosure the route computes (settled
// or not), with that enclosure at its full precision, before the outward rounding to binary64 (Lemma FR.6): the
// tests compare it with the Arb oracle. It is called from worker threads, once per entry.
using EnclosureObserver = std::function<void(std::size_t, std::size_t, mpfi_srcptr)>;
std::vector<std::string> evaluate_fast_route(const Problem& problem, unsigned threads, unsigned formats,
                                             EntryOutcome* entries,
                                             const std::function<void(std::size_t)>& progress,
                                             const EnclosureObserver& observe = {});

}  // namespace ropecert
