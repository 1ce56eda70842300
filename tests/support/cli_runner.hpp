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

// A fresh empty directory under the system temp directory, removed with its contents on
// destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ropecert_test
