// SHA-256 through OpenSSL's EVP digest interface (EVP_DigestInit_ex / Update / Final_ex).
#include "ropecert/sha256.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "ropecert/errors.hpp"

namespace ropecert {
namespace {

namespace fs = std::filesystem;

// An EVP_MD_CTX initialised for SHA-256, freed on destruction.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("sha256: OpenSSL cannot initialise a SHA-256 digest");
  }

  void update(const char* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(context_.get(), data, size) != 1)
      throw std::runtime_error("sha256: OpenSSL digest update failed");
  }

  // The digest as lowercase hex; the object is spent afterwards.
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest, &length) != 1 || length != 32)
      throw std::runtime_error("sha256: OpenSSL digest finalisation failed");
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (unsigned int k = 0; k < length; ++k) {
      text += digits[digest[k] >> 4];
      text += digits[digest[k] & 15];
    }
    return text;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  Sha256 digest;
  digest.update(bytes.data(), bytes.size());
  return digest.hex();
}

std::string sha256_file_hex(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path.string() + ": cannot read");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot read");
  Sha256 digest;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad() || !in.eof()) throw InputError(path.string() + ": cannot read");
  return digest.hex();
}

}  // namespace ropecert
