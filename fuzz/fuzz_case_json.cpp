// libFuzzer target: load_case with an arbitrary case.json beside valid Q, K, V files (no W.npy)
// must either return a problem that passes validate_problem or throw InputError with a one-line
// message; never crash, leak or overrun.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ropecert/case_io.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"

namespace {
std::string make_case_dir() {
  const std::string dir = "/tmp/ropecert-fuzz-case-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  ropecert::write_npy_float64(dir + "/Q.npy", {3, 4}, {1, 0, 0.5, -2, 0, 1, 3, 0.25, 0, 0, 0, 1});
  ropecert::write_npy_float64(dir + "/K.npy", {3, 4}, {1, 1, 1, 1, 0, 2, 0, -1, 0.5, 0.5, 0, 0});
  ropecert::write_npy_float64(dir + "/V.npy", {3, 1}, {1, 2, 3});
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = make_case_dir();
  std::ofstream(dir + "/case.json", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    const ropecert::Problem problem = ropecert::load_case(dir);
    ropecert::validate_problem(problem, dir);  // must not throw for a loaded problem
  } catch (const ropecert::InputError& error) {
    if (std::string(error.what()).find('\n') != std::string::npos) std::abort();
  }
  return 0;
}
