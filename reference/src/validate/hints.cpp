// Failure hints of the validator (validate_hints.hpp).
#include "ropecert/validate_hints.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "ropecert/validate_text.hpp"

namespace ropecert {

std::vector<std::string> convention_hints(const GoldenTest& test) {
  struct Convention {
    std::vector<std::string> words;       // matched in the flags and in the comment
    std::vector<std::string> flag_words;  // matched in the flags only
    std::string hint;
  };
  static const std::vector<Convention> conventions = {
      {{"interleaved", "gptj", "rotate_half", "neox", "pairing"},
       {"half"},
       "the RoPE pairing (interleaved pairs (x0, x1), (x2, x3), ... vs rotate_half pairs (x_i, x_{i+d/2}))"},
      {{"yarn"}, {}, "the YaRN scaling (the frequency ramp and the attention factor 0.1 ln(s) + 1)"},
      {{"llama3"}, {}, "the Llama 3 frequency scaling (low/high frequency factors and the smooth interpolation)"},
      {{"ntk"}, {"dynamic"}, "the dynamic NTK scaling (the base rescaled with the sequence length)"},
      {{}, {"linear"}, "the linear position interpolation (positions divided by the factor)"},
      {{"longrope"}, {}, "the LongRoPE per-dimension factors (short vs long factors)"},
      {{"offset", "offsets", "q_offset", "k_offset", "kv_cache"},
       {"cache"},
       "the position offsets (q_offset / k_offset: query i at position q_offset + i, e.g. with a KV cache)"},
      {{"causal"}, {}, "the causal mask (which keys each query sees, and its alignment when offsets differ)"},
      {{}, {"mask", "masked"}, "the mask (masked entries get weight 0; fully masked rows)"},
      {{"inv_d", "inv_sqrt_d"}, {"scale"}, "the softmax scale (1/sqrt(d) of the full head dimension, 1/d, or given)"},
      {{"rotary_dim"}, {"partial"}, "partial rotary (only the first rotary_dim dimensions rotate)"},
      {{}, {"base", "theta"}, "the RoPE base theta"},
      {{"gqa", "mqa"}, {}, "the grouped-query head mapping"},
  };
  const auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::set<std::string> flags, comment_words;
  for (const std::string& flag : test.flags) {
    flags.insert(lower(flag));
    flags.insert(lower(flag.substr(0, flag.find_first_of(":="))));
  }
  std::string word;
  for (char ch : test.comment + " ") {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
      word += ch;
    } else if (!word.empty()) {
      comment_words.insert(lower(word));
      word.clear();
    }
  }
  std::vector<std::string> hints;
  for (const Convention& convention : conventions) {
    bool named = false;
    for (const std::string& w : convention.words) named = named || flags.count(w) || comment_words.count(w);
    for (const std::string& w : convention.flag_words) named = named || flags.count(w);
    if (named) hints.push_back("likely cause: check " + convention.hint);
  }
  return hints;
}

std::vector<std::string> failure_hints(const GoldenTest& test, double max_err, const std::vector<double>& t64) {
  std::vector<std::string> hints = convention_hints(test);
  double max_magnitude = 0;
  for (double x : t64) max_magnitude = std::max(max_magnitude, std::fabs(x));
  if (max_magnitude > 0 && max_err <= std::ldexp(max_magnitude, -7)) {
    const std::string precision = "likely cause: precision: the max error is " +
                                  short_number_text(max_err / max_magnitude, "%.3g") +
                                  " of max|T|, the size of rounding in a lower precision (bf16 2^-9, f16 2^-12); "
                                  "check the accumulation dtype and where the output is rounded";
    const bool first = max_err <= std::ldexp(max_magnitude, -9);
    hints.insert(first ? hints.begin() : hints.end(), precision);
  }
  return hints;
}

}  // namespace ropecert
