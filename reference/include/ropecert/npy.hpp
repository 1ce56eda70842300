// NumPy .npy files (format versions 1.0, 2.0, 3.0): little-endian float64 / float32 / float16
// (IEEE binary16) and uint16 (used for bfloat16 bit patterns), C order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ropecert {

// descr '<f8', '<f4', '<f2', '<u2'.
enum class NpyDtype { float64, float32, float16, uint16 };

struct NpyArray {
  NpyDtype dtype = NpyDtype::float64;  // the dtype stored in the file
  std::vector<std::size_t> shape;
  // C order. float32 and float16 values are widened exactly; uint16 values are the integers
  // 0 .. 65535 as doubles (for bfloat16 bit patterns: decode them yourself).
  std::vector<double> values;
};

// Reads `path`. Accepts descr '<f8', '<f4', '<f2' or '<u2' ('|' byte-order marks are not valid
// for these), fortran_order False, any rank; the data size must match the shape exactly.
// Rejects NaN and infinities in the float dtypes (uint16 holds no such value). Errors: InputError
// "<path>: <problem>", one line, e.g. "<path>: value at index (2, 3) is NaN" or
// "<path>: dtype '>f8' is big-endian and not supported; ...".
NpyArray read_npy(const std::filesystem::path& path);

// Writes a version 1.0 file with descr '<f8' (or '<f4' for write_npy_float32), C order, with the
// header bytes numpy >= 1.24 writes. NaN and infinities are written as they are (outputs use NaN
// for undecided entries). write_npy_float32 requires every finite value to be a float32 number
// (checked, std::logic_error if not).
// Throws std::runtime_error on an I/O failure. Same values give byte-identical files.
void write_npy_float64(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
                       const std::vector<double>& values);
void write_npy_float32(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
                       const std::vector<double>& values);

// Writes a version 1.0 file with descr '<f2' (IEEE binary16), header bytes as numpy writes them.
// Precondition (checked, std::logic_error naming the value in hex otherwise): every finite value is a
// binary16 number, i.e. rounds to itself in `binary16` (ropecert/rounding.hpp); round it first.
// Infinities are written as +-Inf (0x7c00 / 0xfc00), every NaN as the quiet NaN 0x7e00 (numpy's
// np.float16('nan')), -0 as 0x8000. std::runtime_error on an I/O failure; byte-identical output for
// the same values.
void write_npy_float16(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
                       const std::vector<double>& values);

// Writes a version 1.0 file with descr '<u2' holding `values` as they are (e.g. bfloat16 bit
// patterns from bfloat16_bits). std::logic_error when the count does not fit `shape`,
// std::runtime_error on an I/O failure; byte-identical output for the same values.
void write_npy_uint16(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
                      const std::vector<std::uint16_t>& values);

// The numpy descr of a dtype: "<f8", "<f4", "<f2" or "<u2".
const char* npy_descr(NpyDtype dtype);

// A shape as Python writes a tuple: "(3, 4)", "(5,)", "()".
std::string npy_shape_text(const std::vector<std::size_t>& shape);

}  // namespace ropecert
