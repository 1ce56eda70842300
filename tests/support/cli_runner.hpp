// Runs the ropecert executable (built beside the tests) and captures what it says.
#pragma once
#include <string>
#include <vector>

namespace ropecert_test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs ROPECERT_CLI_PATH with `arguments` (no shell involved) and waits for it.
CliResult run_cli(const std::vector<std::string>& arguments);

}  // namespace ropecert_test
