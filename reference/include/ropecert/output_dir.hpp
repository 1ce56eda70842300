// All-or-nothing output directories: files are written into a temporary sibling directory,
// which is renamed onto the target only when everything has been written.
#pragma once
#include <filesystem>

namespace ropecert {

class AtomicOutputDir {
 public:
  // Refuses (InputError "<target>: ...") when `target` exists and is not an empty directory,
  // unless `replace` is true, or when its parent directory does not exist.
  // Creates the temporary directory "<target>.tmp-XXXXXX" beside it.
  AtomicOutputDir(const std::filesystem::path& target, bool replace);
  AtomicOutputDir(const AtomicOutputDir&) = delete;
  AtomicOutputDir& operator=(const AtomicOutputDir&) = delete;
  // Removes the temporary directory unless commit() succeeded: nothing partial is left.
  ~AtomicOutputDir();

  // Where to write files before commit().
  const std::filesystem::path& staging() const { return staging_; }

  // Renames the staging directory onto the target (an old target, if replaced, is moved
  // aside first and removed after the rename).
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool replace_;
  bool committed_ = false;
};

}  // namespace ropecert
