// Parameter checks of the RoPE conventions (rope_parameters.hpp); the formulas they guard are in
// proofs-notes/11-rope-scaling.md.
#include "ropecert/rope_parameters.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ropecert/errors.hpp"

namespace ropecert {

namespace {

[[noreturn]] void invalid(RopeScalingKind kind, const std::string& problem) {
  throw std::invalid_argument(std::string("rope scaling (") + rope_scaling_kind_name(kind) + "): " + problem);
}

}  // namespace

const char* rope_scaling_kind_name(RopeScalingKind kind) {
  switch (kind) {
    case RopeScalingKind::none:
      return "none";
    case RopeScalingKind::linear:
      return "linear";
    case RopeScalingKind::dynamic:
      return "dynamic";
    case RopeScalingKind::yarn:
      return "yarn";
    case RopeScalingKind::llama3:
      return "llama3";
    case RopeScalingKind::longrope:
      return "longrope";
  }
  return "?";
}

void validate_rope_scaling(const RopeScaling& s, double base, std::size_t rotary_dim) {
  const RopeScalingKind kind = s.kind;
  const std::size_t r = rotary_dim;
  const std::uint64_t L = s.original_max_position_embeddings, M = s.max_position_embeddings;
  if (r < 2 || r % 2 != 0) invalid(kind, "rotary_dim " + std::to_string(r) + " must be even and >= 2");
  if (!(std::isfinite(base) && base > 0)) invalid(kind, "base " + number_text(base) + " must be finite and > 0");

  const auto check_factor = [&](bool required) {
    if (s.factor) {
      if (!(std::isfinite(*s.factor) && *s.factor >= 1))
        invalid(kind, "factor " + number_text(*s.factor) + " must be finite and >= 1");
    } else if (required) {
      invalid(kind, "factor is required");
    } else if (M == 0 || L == 0) {
      invalid(kind, "factor unset: needs max_position_embeddings and original_max_position_embeddings >= 1");
    } else if (M < L) {
      invalid(kind, "factor unset: max_position_embeddings / original_max_position_embeddings = " + std::to_string(M) +
                        " / " + std::to_string(L) + " is < 1");
    }
  };
  const auto check_attention = [&] {
    if (s.attention_factor && !(std::isfinite(*s.attention_factor) && *s.attention_factor >= 0))
      invalid(kind, "attention_factor " + number_text(*s.attention_factor) + " must be finite and >= 0");
  };

  switch (kind) {
    case RopeScalingKind::none:
      break;
    case RopeScalingKind::linear:
      check_factor(true);
      break;
    case RopeScalingKind::dynamic:
      check_factor(true);
      if (r < 4) invalid(kind, "rotary_dim must be >= 4 (HF raises base to dim / (dim - 2))");
      if (M == 0) invalid(kind, "max_position_embeddings must be >= 1");
      break;
    case RopeScalingKind::yarn:
      if (base == 1) invalid(kind, "base must not be 1 (HF divides by log(base))");
      if (L == 0) invalid(kind, "original_max_position_embeddings must be >= 1");
      check_factor(false);
      check_attention();
      for (const auto& [name, beta] :
           {std::pair<const char*, double>{"beta_fast", s.beta_fast}, {"beta_slow", s.beta_slow}})
        if (!(std::isfinite(beta) && beta >= 0))
          invalid(kind, std::string(name) + " " + number_text(beta) + " must be finite and >= 0 (0 selects HF's default)");
      if (s.mscale && !std::isfinite(*s.mscale)) invalid(kind, "mscale must be finite");
      if (s.mscale_all_dim && !std::isfinite(*s.mscale_all_dim)) invalid(kind, "mscale_all_dim must be finite");
      break;
    case RopeScalingKind::llama3:
      check_factor(true);
      if (L == 0) invalid(kind, "original_max_position_embeddings must be >= 1");
      if (!(std::isfinite(s.low_freq_factor) && std::isfinite(s.high_freq_factor) && 0 < s.low_freq_factor &&
            s.low_freq_factor < s.high_freq_factor))
        invalid(kind, "need 0 < low_freq_factor < high_freq_factor, got " + number_text(s.low_freq_factor) + " and " +
                          number_text(s.high_freq_factor));
      break;
    case RopeScalingKind::longrope: {
      if (L == 0) invalid(kind, "original_max_position_embeddings must be >= 1");
      check_factor(false);
      check_attention();
      if (!s.attention_factor && L < 2 && (s.factor ? *s.factor > 1 : M > L))  // f > 1, f = factor or M / L
        invalid(kind, "original_max_position_embeddings must be >= 2 (HF divides by its log)");
      for (const auto& [name, values] :
           {std::pair<const char*, const std::vector<double>*>{"short_factor", &s.short_factor},
            {"long_factor", &s.long_factor}}) {
        if (values->size() != r / 2)
          invalid(kind, std::string(name) + " has " + std::to_string(values->size()) +
                            " values, need rotary_dim / 2 = " + std::to_string(r / 2));
        for (const double e : *values)
          if (!(std::isfinite(e) && e > 0))
            invalid(kind, std::string(name) + " value " + number_text(e) + " must be finite and > 0");
      }
      break;
    }
  }
}

void validate_hf_inv_freq_float32(double base, std::size_t dim) {
  const std::string where = "hf_default_inv_freq_float32: ";
  if (dim < 1 || dim >= (std::size_t(1) << 24)) throw std::invalid_argument(where + "dim must be in [1, 2^24)");
  if (!(std::isfinite(base) && base > 0)) throw std::invalid_argument(where + "base must be finite and > 0");
  const float rounded = static_cast<float>(base);  // RN_binary32 (IEEE conversion in the default rounding mode)
  if (std::isinf(rounded) || rounded == 0)
    throw std::invalid_argument(where + "base " + number_text(base) + " is not finite and non-zero in float32");
}

}  // namespace ropecert
