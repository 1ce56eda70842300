#include "ropecert/interval.hpp"

#include <utility>

namespace ropecert {

namespace {
mpfi_ptr new_interval(mpfr_prec_t precision) {
  mpfi_ptr value = new __mpfi_struct;
  mpfi_init2(value, precision);
  mpfi_set_ui(value, 0);
  return value;
}
}  // namespace

Interval::Interval(mpfr_prec_t precision) : value_(new_interval(precision)) {}

Interval::Interval(const Interval& other) : value_(new_interval(other.precision())) {
  mpfi_set(value_, other.value_);  // same precision: exact copy
}

Interval::Interval(Interval&& other) noexcept : value_(other.value_) { other.value_ = nullptr; }

Interval& Interval::operator=(const Interval& other) {
  if (this != &other) {
    mpfi_set_prec(value_, other.precision());
    mpfi_set(value_, other.value_);
  }
  return *this;
}

Interval& Interval::operator=(Interval&& other) noexcept {
  std::swap(value_, other.value_);
  return *this;
}

Interval::~Interval() {
  if (value_ != nullptr) {
    mpfi_clear(value_);
    delete value_;
  }
}

bool Interval::is_finite() const {
  return mpfr_number_p(&value_->left) && mpfr_number_p(&value_->right);
}

}  // namespace ropecert
