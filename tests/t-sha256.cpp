// Tests for sha256_hex and sha256_file_hex (ropecert/sha256.hpp): the FIPS 180-2 test vectors
// (Appendix B.1-B.3), the empty message, files read in several chunks, and unreadable files.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "ropecert/errors.hpp"
#include "ropecert/sha256.hpp"
#include "support/temp_dir.hpp"

using Catch::Matchers::Contains;
using ropecert::InputError;
using ropecert::sha256_file_hex;
using ropecert::sha256_hex;
using ropecert_test::TempDir;

namespace {

const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string k448 = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
const std::string kMillionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
const std::string kMessage448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("sha256_hex gives the FIPS 180-2 digests", "[sha256]") {
  CHECK(sha256_hex("abc") == kAbc);
  CHECK(sha256_hex("") == kEmpty);
  CHECK(kMessage448.size() * 8 == 448);
  CHECK(sha256_hex(kMessage448) == k448);
  CHECK(sha256_hex(std::string(1000000, 'a')) == kMillionA);
  // Embedded NUL bytes are part of the message (digest from coreutils sha256sum).
  CHECK(sha256_hex(std::string("a\0b", 3)) == "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}

TEST_CASE("sha256_file_hex agrees with sha256_hex, across read chunks", "[sha256]") {
  TempDir dir;
  write(dir / "abc", "abc");
  write(dir / "empty", "");
  write(dir / "million", std::string(1000000, 'a'));  // more than one 64 KiB read
  CHECK(sha256_file_hex(dir / "abc") == kAbc);
  CHECK(sha256_file_hex(dir / "empty") == kEmpty);
  CHECK(sha256_file_hex(dir / "million") == kMillionA);
  for (std::size_t size : {65535, 65536, 65537, 131072}) {
    const std::string bytes(size, 'x');
    write(dir / "chunk", bytes);
    CHECK(sha256_file_hex(dir / "chunk") == sha256_hex(bytes));
  }
}

TEST_CASE("sha256_file_hex rejects what it cannot read", "[sha256][errors]") {
  TempDir dir;
  const std::filesystem::path absent = dir / "absent";
  REQUIRE_THROWS_AS(sha256_file_hex(absent), InputError);
  REQUIRE_THROWS_WITH(sha256_file_hex(absent), absent.string() + ": cannot read");
  REQUIRE_THROWS_WITH(sha256_file_hex(dir.path()), Contains(": cannot read"));
}
