// ropecert: certified RoPE attention. The command-line front end only; the work is in the library.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "ropecert/errors.hpp"

namespace {

const char* const usage =
    "Usage: ropecert <command> [options]\n"
    "\n"
    "Certified softmax attention with RoPE: rigorous enclosures and correctly rounded outputs.\n"
    "\n"
    "Commands:\n"
    "  audit [--json FILE]           audit the paper's claims, with evidence computed now\n"
    "  eval CASE_DIR --out OUT_DIR   evaluate a case (ropecert-case/1 directory), certified\n"
    "  fast CASE_DIR --eps E --out D the polynomial method with FFT/Toeplitz (exact or binary64)\n"
    "  golden --out DIR              write a golden vector suite (certified expected outputs)\n"
    "  validate --golden DIR --candidate DIR  grade outputs against a golden suite\n"
    "  demo                          evaluate a built-in demo case and print a summary\n"
    "  bench eval | bench fast       time the certified evaluator / the fast algorithm\n"
    "\n"
    "Run 'ropecert <command> --help' for the options of a command.\n"
    "Exit codes: 0 success, 1 internal error, 2 bad input, 3 entries left undecided.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << usage;
    return ropecert::cli::exit_bad_input;
  }
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::cout << usage;
    return ropecert::cli::exit_ok;
  }
  const std::string command = argv[1];
  try {
    if (command == "--version") {
      std::cout << "ropecert " << ROPECERT_VERSION << '\n';
      return ropecert::cli::exit_ok;
    }
    if (command == "audit") return ropecert::cli::command_audit(argc - 1, argv + 1);
    if (command == "fast") return ropecert::cli::command_fast(argc - 1, argv + 1);
    if (command == "golden") return ropecert::cli::command_golden(argc - 1, argv + 1);
    if (command == "validate") return ropecert::cli::command_validate(argc - 1, argv + 1);
    if (command == "eval") return ropecert::cli::command_eval(argc - 1, argv + 1);
    if (command == "demo") return ropecert::cli::command_demo(argc - 1, argv + 1);
    if (command == "bench") return ropecert::cli::command_bench(argc - 1, argv + 1);
    throw ropecert::InputError(command + ": unknown command (see ropecert --help)");
  } catch (const ropecert::InputError& error) {
    std::cerr << "ropecert: error: " << error.what() << '\n';
    return ropecert::cli::exit_bad_input;
  } catch (const std::exception& error) {
    std::cerr << "ropecert: internal error: " << error.what() << '\n';
    return 1;
  }
}
