// Rotated rows f R^a_m x at consecutive positions m in double-word arithmetic from angle tables, for the fast
// certified route (proofs-notes/13-fast-certified-path.md, section fast_route, Lemma FR.1').
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ropecert/double_word.hpp"
#include "ropecert/double_word_rows.hpp"
#include "ropecert/interval.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rope_geometry.hpp"

namespace ropecert {

// True when the tables below apply to the convention: the cos / sin emulation is exact (an emulated cos / sin
// rounds c, s to a format, which a product of table entries does not reproduce).
bool rotation_tables_apply(const RopeParams& rope);

// For the positions m = first_position + t, t = 0 .. count - 1, and a factor f (the keys: the point 1; the
// queries: the scale s), the rows y = f R^a_m x: on plane p = (a_p, b_p) of rotary_planes,
// (y_a, y_b) = f a (x_a cos(m theta_p) - x_b sin(m theta_p), x_a sin(m theta_p) + x_b cos(m theta_p)), and
// y_l = f x_l for l >= rotary_dim (rope_geometry.hpp, enclose_rotated_row, with cos_sin exact).
// Built once by MPFI at `frequencies`' precision: per plane, fine[l] = e^(i theta l) (l < 64) and
// coarse[h] = f a e^(i theta (first_position + 64 h)), converted to double words with radii, and per coarse
// entry the error bound delta_h of Lemma FR.1'. Precondition: rotation_tables_apply(rope); `frequencies` from
// enclose_rope_frequencies(rope, precision); positions within +-max_position.
class RotationTables {
 public:
  RotationTables(const RopeParams& rope, const RopeFrequencies& frequencies, const Interval& factor,
                 std::int64_t first_position, std::size_t count, unsigned threads);

  // Sets row `row` of `out` (hi, lo, and the three norm bounds) to the double words of y for x (d = out's
  // columns exact doubles) at position first_position + t, with |y_l - (hi_l + lo_l)| <= r_l and
  // out.radius_norm[row] >= ||r|| (Lemma FR.1'). Returns false, leaving the row unspecified, when the tables
  // do not certify it: a double of an operand outside the window W of Lemma DW.7 (e.g. a subnormal x_l), or a
  // norm not finite. The caller then uses the MPFI path (enclose_rotated_row and DoubleWordRows::set_row).
  // Precondition: t < count; x has out.hi.cols >= rotary_dim entries; row < out.hi.rows.
  bool rotate_row(const double* x, std::size_t t, DoubleWordRows& out, std::size_t row) const;

 private:
  // A table entry: the double words of cos and sin parts, and rho = an upper bound of the sum of their radii.
  struct Entry {
    DoubleWord re, im;
    double rho;
  };
  std::size_t rotary_dim_;
  std::vector<std::pair<std::size_t, std::size_t>> planes_;
  std::vector<Entry> fine_, coarse_;  // [l * planes + p], [h * planes + p]
  std::vector<double> delta_;         // [h]: delta_h, the largest over the planes
  DoubleWord factor_;                 // f as a double word; f_radius >= |f - factor_|
  double factor_radius_ = 0;
  bool factor_is_one_ = false;
  bool usable_ = true;  // every table double in W and every bound finite
};

}  // namespace ropecert
