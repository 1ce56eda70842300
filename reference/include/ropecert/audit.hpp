// The claim-by-claim audit of Alman & Song, "Fast RoPE Attention" (arXiv 2505.11892), with the
// claim IDs of ../shared/paper/DIGEST.md section 6. Every verdict rests on evidence computed at run
// time (property checks with a seed, exact computations), never on stored results.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ropecert {

struct ClaimVerdict {
  std::string id;          // "C1" .. "C12"
  std::string claim;       // the paper's statement, one line
  std::string verdict;     // "holds", "fails", "holds after correction", "split: ...", "proof note only", "pending"
  std::string evidence;    // what was computed, with sizes, counts and the seed; counterexamples exactly
  std::string correction;  // the corrected statement ("" if none)
  std::string test;        // the test that backs the verdict
  std::string note;        // the proof note
};

// Runs every check with `seed`; `progress(id)` is called before each claim (may be empty).
std::vector<ClaimVerdict> run_audit(std::uint64_t seed, const std::function<void(const std::string&)>& progress);

// Markdown for people (a summary table, then one section per claim).
std::string audit_markdown(const std::vector<ClaimVerdict>& verdicts, std::uint64_t seed);

// {"format": "ropecert-audit/1", "seed": N, "claims": [{"id", "claim", "verdict", "evidence",
//  "correction", "test", "note"}, ...]}
nlohmann::json audit_json(const std::vector<ClaimVerdict>& verdicts, std::uint64_t seed);

}  // namespace ropecert
