#include "ropecert/output_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "ropecert/errors.hpp"

namespace ropecert {

namespace fs = std::filesystem;

namespace {

fs::path make_unique_sibling(const fs::path& target, const char* tag) {
  std::string pattern = target.string() + tag + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    throw InputError(target.string() + ": cannot create a directory beside it: " + std::strerror(errno));
  return pattern;
}

}  // namespace

AtomicOutputDir::AtomicOutputDir(const fs::path& target, bool replace) : target_(target), replace_(replace) {
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(parent))
    throw InputError(target.string() + ": parent directory does not exist");
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target)) throw InputError(target.string() + ": exists and is not a directory");
    if (!fs::is_empty(target) && !replace_)
      throw InputError(target.string() + ": exists and is not empty (use --force to replace it)");
  }
  staging_ = make_unique_sibling(target, ".tmp-");
}

AtomicOutputDir::~AtomicOutputDir() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void AtomicOutputDir::commit() {
  std::error_code ec;
  fs::path old;
  if (fs::exists(target_, ec) && !fs::is_empty(target_, ec)) {
    old = make_unique_sibling(target_, ".old-");
    fs::rename(target_, old / "replaced");  // move the old directory inside the aside one
  } else if (fs::exists(target_, ec)) {
    fs::remove(target_);  // an empty directory: rename(2) could replace it, but be explicit
  }
  fs::rename(staging_, target_);
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
}

std::string read_text_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) throw InputError(path.string() + ": cannot read");
  if (!file.is_open()) throw InputError(path.string() + ": cannot read");
  return text;
}

void write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) throw std::runtime_error(path.string() + ": cannot write file");
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path parent = path.has_parent_path() ? path.parent_path() : ".";
  if (!fs::is_directory(parent)) throw InputError(path.string() + ": directory does not exist");
  const fs::path temporary = path.string() + ".tmp";
  try {
    write_text_file(temporary, text);
  } catch (const std::runtime_error&) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw InputError(path.string() + ": cannot write");
  }
  fs::rename(temporary, path);
}

}  // namespace ropecert
