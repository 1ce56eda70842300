// All-or-nothing output directories: files are written into a temporary sibling directory,
// which is renamed onto the target only when everything has been written.
#pragma once
#include <filesystem>
#include <string>

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

// The whole content of `path`; throws InputError "<path>: cannot read" when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

// Writes `text` to `path` (truncating) and checks that every byte reached the file; throws
// std::runtime_error "<path>: cannot write file" otherwise. Meant for files inside a staging directory.
void write_text_file(const std::filesystem::path& path, const std::string& text);

// Writes `text` to `path` through "<path>.tmp" in the same directory and a rename, so `path` is either
// untouched or complete. Throws InputError "<path>: ..." when the directory does not exist or the write
// fails (the temporary file is removed).
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace ropecert
