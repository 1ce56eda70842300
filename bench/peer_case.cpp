#include "peer_case.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "ropecert/case_io.hpp"
#include "ropecert/errors.hpp"

namespace ropecert_bench {
namespace {

long positive_integer(const std::string& option, const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value <= 0)
    throw ropecert::InputError(option + ": expected a positive integer, got '" + text + "'");
  return value;
}

}  // namespace

PeerArguments parse_peer_arguments(int argc, char** argv, bool takes_precision) {
  PeerArguments arguments;
  bool have_case = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--out" && has_value) {
      arguments.out = argv[++i];
    } else if (arg == "--threads" && has_value) {
      arguments.threads = int(positive_integer(arg, argv[++i]));
    } else if (arg == "--prec" && takes_precision && has_value) {
      arguments.precision = positive_integer(arg, argv[++i]);
    } else if (!arg.empty() && arg[0] != '-' && !have_case) {
      arguments.case_dir = arg;
      have_case = true;
    } else {
      throw ropecert::InputError(arg + ": unexpected argument (usage: " + argv[0] + " CASE_DIR [--out DIR]" +
                                 (takes_precision ? " [--prec BITS]" : "") + " [--threads N])");
    }
  }
  if (!have_case) throw ropecert::InputError(std::string(argv[0]) + ": missing CASE_DIR");
  return arguments;
}

ropecert::Problem load_standard_rope_case(const std::filesystem::path& dir) {
  ropecert::Problem problem = ropecert::load_case(dir);
  const ropecert::RopeParams& rope = problem.rope;
  const bool standard = problem.kind == ropecert::Kind::rope && rope.angles == ropecert::Angles::standard &&
                        rope.scaling.kind == ropecert::RopeScalingKind::none &&
                        rope.emulate.inv_freq == ropecert::InvFreqEmulation::exact &&
                        rope.emulate.cos_sin == ropecert::CosSinEmulation::exact;
  if (!standard)
    throw ropecert::InputError(dir.string() +
                               ": only kind rope with standard angles, no scaling and no emulation is supported");
  return problem;
}

PlaneCoordinates plane_coordinates(const ropecert::RopeParams& rope, std::size_t p) {
  if (rope.pairing == ropecert::Pairing::half) return {p, p + rope.rotary_dim / 2};
  return {2 * p, 2 * p + 1};
}

int run_peer(const char* program, int (*body)(int, char**), int argc, char** argv) {
  try {
    return body(argc, argv);
  } catch (const ropecert::InputError& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
    return 1;
  }
}

}  // namespace ropecert_bench
