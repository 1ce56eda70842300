// NumPy .npy files (format versions 1.0, 2.0, 3.0): little-endian float64 / float32, C order.
#pragma once
#include <cstddef>
#include <filesystem>
#include <vector>

namespace ropecert {

enum class NpyDtype { float64, float32 };

struct NpyArray {
  NpyDtype dtype = NpyDtype::float64;  // the dtype stored in the file
  std::vector<std::size_t> shape;
  std::vector<double> values;          // C order; float32 values widened exactly
};

// Reads `path`. Accepts descr '<f8' or '<f4' ('|' byte-order marks are not valid for floats),
// fortran_order False, any rank; the data size must match the shape exactly.
// Rejects NaN and infinities. Errors: InputError "<path>: <problem>", one line,
// e.g. "<path>: value at index (2, 3) is NaN" or "<path>: dtype '>f8' is not supported".
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

}  // namespace ropecert
