// libFuzzer target: read_npy on arbitrary bytes must either return a well-formed array (shape
// product == value count, finite values) or throw InputError; never crash, leak or overrun.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/ropecert-fuzz-npy-" + std::to_string(getpid()) + ".npy";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    const ropecert::NpyArray array = ropecert::read_npy(path);
    std::size_t count = 1;
    for (std::size_t extent : array.shape) count *= extent;
    if (count != array.values.size()) std::abort();
    for (double x : array.values)
      if (!std::isfinite(x)) std::abort();
  } catch (const ropecert::InputError&) {
  }
  return 0;
}
