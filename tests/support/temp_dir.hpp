// Scratch directories and file contents for tests.
#pragma once
#include <filesystem>
#include <string>

namespace ropecert_test {

// A fresh empty directory under the system temp directory, removed with its contents on
// destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The whole content of a file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace ropecert_test
