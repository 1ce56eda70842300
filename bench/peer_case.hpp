// What the two benchmark peers (arb_attention.cpp, float64_attention.cpp) share: their command line and
// the one family of cases they handle. They are benchmarks, not part of ropecert: see bench/README.md.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "ropecert/problem.hpp"

namespace ropecert_bench {

//   <program> CASE_DIR [--out DIR] [--prec BITS] [--threads N]
// --prec only when `takes_precision`. Defaults: no output, 128 bits, 1 thread.
struct PeerArguments {
  std::filesystem::path case_dir;
  std::optional<std::filesystem::path> out;
  long precision = 128;
  int threads = 1;
};

// Parses argv; throws ropecert::InputError (one line) on a malformed or unknown argument.
PeerArguments parse_peer_arguments(int argc, char** argv, bool takes_precision);

// load_case(dir), then refuses (ropecert::InputError, one line) every case other than kind rope with
// standard angles, no rope scaling and no emulation: the peers are written for that definition only.
ropecert::Problem load_standard_rope_case(const std::filesystem::path& dir);

// The coordinates of rotation plane p (0 <= p < rotary_dim / 2): (p, p + r/2) for half pairing,
// (2p, 2p + 1) for interleaved (problem.hpp, Pairing).
struct PlaneCoordinates {
  std::size_t a, b;
};
PlaneCoordinates plane_coordinates(const ropecert::RopeParams& rope, std::size_t p);

// Runs `body` and prints "<program>: error: <what>" on an exception: exit 2 for an InputError, 1 otherwise.
int run_peer(const char* program, int (*body)(int, char**), int argc, char** argv);

}  // namespace ropecert_bench
