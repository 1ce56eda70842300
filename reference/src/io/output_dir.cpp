#include "ropecert/output_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

}  // namespace ropecert
