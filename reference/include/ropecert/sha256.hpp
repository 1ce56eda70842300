// SHA-256 digests (FIPS 180-4) of byte strings and files, through OpenSSL's EVP interface.
// Used to check that a golden suite's files are those its manifest lists.
#pragma once
#include <filesystem>
#include <string>

namespace ropecert {

// The SHA-256 digest of `bytes` (any content, NUL bytes included) as 64 lowercase hex digits,
// e.g. sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".
// Throws std::runtime_error if OpenSSL fails (it does not for valid input).
std::string sha256_hex(const std::string& bytes);

// The SHA-256 digest of the content of the file at `path`, read in binary in chunks, as 64
// lowercase hex digits. Throws InputError "<path>: cannot read" when the file does not exist, is
// not a regular file, or a read fails; std::runtime_error if OpenSSL fails.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace ropecert
