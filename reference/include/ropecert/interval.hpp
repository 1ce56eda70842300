// Closed real intervals with MPFR endpoints (MPFI), with the precision always explicit.
// Every MPFI operation rounds its endpoints outward, so a result encloses the exact image
// of its arguments (proofs-notes/10-certified-evaluation.md, Lemma 1).
#pragma once
#include <mpfi.h>
#include <mpfr.h>

namespace ropecert {

// RAII owner of one mpfi_t. A new interval is [0, 0] at the given precision.
// Copies keep the source's precision. Use the MPFI C functions on get() for arithmetic.
class Interval {
 public:
  explicit Interval(mpfr_prec_t precision);
  Interval(const Interval& other);
  Interval(Interval&& other) noexcept;
  Interval& operator=(const Interval& other);
  Interval& operator=(Interval&& other) noexcept;
  ~Interval();

  mpfi_ptr get() { return value_; }
  mpfi_srcptr get() const { return value_; }
  mpfr_prec_t precision() const { return mpfi_get_prec(value_); }

  // True when both endpoints are finite numbers (not NaN, not infinite).
  bool is_finite() const;

 private:
  mpfi_ptr value_;  // heap-allocated so that moves are cheap and leave a valid empty state
};

}  // namespace ropecert
