// Tests for read_npy, write_npy_float64, write_npy_float32, write_npy_float16 and write_npy_uint16
// (ropecert/npy.hpp).
// Files with unusual or broken headers are assembled byte by byte from the format spec
// (numpy.lib.format), independently of npy.cpp.
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using ropecert::InputError;
using ropecert::NpyArray;
using ropecert::NpyDtype;
using ropecert::read_npy;
using ropecert::write_npy_float16;
using ropecert::write_npy_float32;
using ropecert::write_npy_float64;
using ropecert::write_npy_uint16;

using ropecert_test::read_file;
using ropecert_test::TempDir;

namespace {


void write_bytes(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::uint64_t bits_of(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof x);
  return bits;
}

// Little-endian encodings of float64 and float32 values.
std::string f8_bytes(const std::vector<double>& values) {
  std::string out;
  for (double x : values)
    for (int k = 0; k < 8; ++k) out += static_cast<char>((bits_of(x) >> (8 * k)) & 0xff);
  return out;
}

std::string f4_bytes(const std::vector<float>& values) {
  std::string out;
  for (float x : values) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof x);
    for (int k = 0; k < 4; ++k) out += static_cast<char>((bits >> (8 * k)) & 0xff);
  }
  return out;
}

// A .npy file: magic, version major.0, header length (2 bytes for 1.0, else 4), dict + '\n', data.
std::string npy_file(int major, const std::string& dict, const std::string& data) {
  const std::string header = dict + "\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (int k = 0; k < (major == 1 ? 2 : 4); ++k) out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

// read_npy(path) must throw a one-line InputError "<path>: ..." that contains `fragment`.
void require_input_error(const fs::path& path, const std::string& fragment) {
  REQUIRE_THROWS_AS(read_npy(path), InputError);
  REQUIRE_THROWS_WITH(read_npy(path), StartsWith(path.string() + ": ") && Contains(fragment) && !Contains("\n"));
}

void require_rejected(const TempDir& dir, const std::string& bytes, const std::string& fragment) {
  const fs::path path = dir / "bad.npy";
  write_bytes(path, bytes);
  require_input_error(path, fragment);
}

// Finite doubles from raw bit patterns (all exponents, subnormals, -0) plus named corner cases.
rc::Gen<double> finite_double() {
  const auto from_bits = rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t bits) {
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return std::isfinite(x) ? x : 1.0;
  });
  return rc::gen::oneOf(from_bits, rc::gen::element(0.0, -0.0, 1.0, DBL_MAX, -DBL_MAX, DBL_MIN, DBL_TRUE_MIN));
}

rc::Gen<float> finite_float() {
  return rc::gen::map(rc::gen::arbitrary<std::uint32_t>(), [](std::uint32_t bits) {
    float x;
    std::memcpy(&x, &bits, sizeof x);
    return std::isfinite(x) ? x : -0.0f;
  });
}

std::vector<std::size_t> gen_shape() {
  const auto rank = *rc::gen::inRange<std::size_t>(0, 5);
  return *rc::gen::container<std::vector<std::size_t>>(rank, rc::gen::inRange<std::size_t>(0, 5));
}

std::size_t element_count(const std::vector<std::size_t>& shape) {
  std::size_t count = 1;
  for (std::size_t dim : shape) count *= dim;
  return count;
}

}  // namespace

TEST_CASE("write_npy_float64 writes the bytes numpy.save writes", "[npy]") {
  // Reference bytes from numpy 1.24.2: np.save(f, np.array([1.0, -2.5])).
  TempDir dir;
  write_npy_float64(dir / "a.npy", {2}, {1.0, -2.5});
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict + std::string(60, ' ') + "\n" +
                               std::string(6, '\0') + "\xf0\x3f" + std::string(6, '\0') + "\x04\xc0";
  REQUIRE(read_file(dir / "a.npy") == expected);
}

TEST_CASE("npy headers match numpy.save's padding rules", "[npy]") {
  // Each row: the dict, the spaces numpy 1.24.2 appends before '\n', and the header length field.
  // numpy pads 21 - digits(shape[0]) spaces for in-place growth, then up to a multiple of 64,
  // adding a full 64 when already aligned (the 14-D shape).
  struct Row {
    std::vector<std::size_t> shape;
    bool float32;
    std::string dict;
    std::size_t spaces;
    std::size_t header_length;
  };
  const std::vector<Row> rows = {
      {{3, 4}, true, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 58, 118},
      {{}, false, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 62, 118},
      {{12345678901, 0}, false, "{'descr': '<f8', 'fortran_order': False, 'shape': (12345678901, 0), }", 48, 118},
      {{1, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
       false,
       "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }",
       84,
       182},
  };
  TempDir dir;
  for (const Row& row : rows) {
    const std::vector<double> values(element_count(row.shape), 0.5);
    const fs::path path = dir / "h.npy";
    if (row.float32)
      write_npy_float32(path, row.shape, values);
    else
      write_npy_float64(path, row.shape, values);
    const std::string expected = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(row.header_length & 0xff) +
                                 static_cast<char>(row.header_length >> 8) + row.dict + std::string(row.spaces, ' ') +
                                 "\n";
    const std::string bytes = read_file(path);
    INFO(row.dict);
    REQUIRE(bytes.substr(0, expected.size()) == expected);
    REQUIRE(bytes.size() == expected.size() + values.size() * (row.float32 ? 4 : 8));
  }
}

TEST_CASE("npy write then read gives back the shape and every bit", "[npy][property]") {
  TempDir dir;
  rc::prop("float64", [&] {
    const std::vector<std::size_t> shape = gen_shape();
    const auto values = *rc::gen::container<std::vector<double>>(element_count(shape), finite_double());
    write_npy_float64(dir / "r.npy", shape, values);
    const NpyArray array = read_npy(dir / "r.npy");
    RC_ASSERT(array.dtype == NpyDtype::float64);
    RC_ASSERT(array.shape == shape);
    RC_ASSERT(array.values.size() == values.size());
    for (std::size_t k = 0; k < values.size(); ++k) RC_ASSERT(bits_of(array.values[k]) == bits_of(values[k]));
  });
  rc::prop("float32", [&] {
    const std::vector<std::size_t> shape = gen_shape();
    const auto floats = *rc::gen::container<std::vector<float>>(element_count(shape), finite_float());
    const std::vector<double> values(floats.begin(), floats.end());
    write_npy_float32(dir / "r.npy", shape, values);
    const NpyArray array = read_npy(dir / "r.npy");
    RC_ASSERT(array.dtype == NpyDtype::float32);
    RC_ASSERT(array.shape == shape);
    RC_ASSERT(array.values.size() == values.size());
    for (std::size_t k = 0; k < values.size(); ++k) RC_ASSERT(bits_of(array.values[k]) == bits_of(values[k]));
  });
}

TEST_CASE("read_npy widens float32 exactly", "[npy]") {
  TempDir dir;
  const std::vector<float> floats = {0.1f, -3.0f, std::numeric_limits<float>::denorm_min(), FLT_MAX};
  write_bytes(dir / "f.npy", npy_file(1, dict("<f4", "(2, 2)"), f4_bytes(floats)));
  const NpyArray array = read_npy(dir / "f.npy");
  REQUIRE(array.dtype == NpyDtype::float32);
  REQUIRE(array.shape == std::vector<std::size_t>{2, 2});
  REQUIRE(array.values[0] == 0x1.99999ap-4);  // 0.1f, not 0.1
  REQUIRE(array.values[1] == -3.0);
  REQUIRE(array.values[2] == 0x1p-149);
  REQUIRE(array.values[3] == 0x1.fffffep+127);
}

TEST_CASE("read_npy accepts format versions 2.0 and 3.0 and any key order", "[npy]") {
  TempDir dir;
  for (int major : {2, 3}) {
    write_bytes(dir / "v.npy", npy_file(major, dict("<f8", "(1, 2)"), f8_bytes({1.5, -2.0})));
    const NpyArray array = read_npy(dir / "v.npy");
    REQUIRE(array.shape == std::vector<std::size_t>{1, 2});
    REQUIRE(array.values == std::vector<double>{1.5, -2.0});
  }
  write_bytes(dir / "o.npy",
              npy_file(1, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f8\"}", f8_bytes({1, 2, 3})));
  REQUIRE(read_npy(dir / "o.npy").values == std::vector<double>{1, 2, 3});
}

TEST_CASE("read_npy reads scalars and empty arrays", "[npy]") {
  TempDir dir;
  write_bytes(dir / "s.npy", npy_file(1, dict("<f8", "()"), f8_bytes({0.25})));
  const NpyArray scalar = read_npy(dir / "s.npy");
  REQUIRE(scalar.shape.empty());
  REQUIRE(scalar.values == std::vector<double>{0.25});
  write_bytes(dir / "e.npy", npy_file(1, dict("<f8", "(0, 3)"), ""));
  const NpyArray empty = read_npy(dir / "e.npy");
  REQUIRE(empty.shape == std::vector<std::size_t>{0, 3});
  REQUIRE(empty.values.empty());
}

TEST_CASE("read_npy rejects missing and non-npy files", "[npy][errors]") {
  TempDir dir;
  require_input_error(dir / "absent.npy", "missing file");
  require_input_error(dir / "", "is a directory");
  require_rejected(dir, "", "bad magic string");
  require_rejected(dir, "\x93NUMPZ\x01\x00\x10\x00{}", "bad magic string");
  require_rejected(dir, "\x93NUMPY\x01", "truncated header");
}

TEST_CASE("read_npy rejects unsupported versions and broken header lengths", "[npy][errors]") {
  TempDir dir;
  std::string v4 = npy_file(2, dict("<f8", "(1,)"), f8_bytes({1}));
  v4[6] = 4;
  require_rejected(dir, v4, "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)");
  std::string v11 = npy_file(1, dict("<f8", "(1,)"), f8_bytes({1}));
  v11[7] = 1;
  require_rejected(dir, v11, "version 1.1");
  require_rejected(dir, std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 18), "truncated header");
  require_rejected(dir, std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr'", 20),
                   "header length 4294967295 is absurd");
}

TEST_CASE("read_npy requires the data size to match the shape exactly", "[npy][errors]") {
  TempDir dir;
  require_rejected(dir, npy_file(1, dict("<f8", "(3,)"), f8_bytes({1, 2})),
                   "truncated data: shape (3,) of dtype '<f8' needs 24 data bytes, the file has 16");
  require_rejected(dir, npy_file(1, dict("<f8", "(2,)"), f8_bytes({1, 2}) + "x"), "trailing bytes");
  require_rejected(dir, npy_file(1, dict("<f4", "(2, 2)"), f4_bytes({1, 2, 3})),
                   "needs 16 data bytes, the file has 12");
  // Too large to allocate but no overflow: rejected from the file size alone.
  require_rejected(dir, npy_file(1, dict("<f8", "(1000000000000,)"), f8_bytes({1})), "truncated data");
}

TEST_CASE("read_npy rejects absurd shapes", "[npy][errors]") {
  TempDir dir;
  require_rejected(dir, npy_file(1, dict("<f8", "(4294967296, 4294967296, 4294967296)"), ""),
                   "is absurd: its size overflows");
  require_rejected(dir, npy_file(1, dict("<f8", "(2305843009213693952,)"), ""), "is absurd");  // 2^61 * 8 bytes
  require_rejected(dir, npy_file(1, dict("<f8", "(99999999999999999999999,)"), ""), "shape has an absurd dimension");
  require_rejected(dir, npy_file(1, dict("<f8", "(-3,)"), ""), "shape has a negative dimension");
}

TEST_CASE("read_npy accepts only little-endian float64 and float32 in C order", "[npy][errors]") {
  TempDir dir;
  require_rejected(dir, npy_file(1, dict(">f8", "(1,)"), f8_bytes({1})), "dtype '>f8' is big-endian and not supported");
  require_rejected(dir, npy_file(1, dict(">f4", "(1,)"), f4_bytes({1})), "dtype '>f4' is big-endian");
  require_rejected(dir, npy_file(1, dict(">f2", "(1,)"), "\x3c\x00"),
                   "dtype '>f2' is big-endian and not supported; save it as little-endian '<f2'");
  require_rejected(dir, npy_file(1, dict(">u2", "(1,)"), "\x3c\x00"), "dtype '>u2' is big-endian");
  for (const char* descr : {"<i4", "|u1", "<i2", "|u2", "|f2", "<u4", "<c16", "|f8", "<f8 "})
    require_rejected(dir, npy_file(1, dict(descr, "(1,)"), ""),
                     std::string("dtype '") + descr +
                         "' is not supported; expected float64 '<f8', float32 '<f4', float16 '<f2' or uint16 '<u2'");
  require_rejected(dir, npy_file(1, dict("<f8", "(1, 2)", "True"), f8_bytes({1, 2})),
                   "fortran_order True is not supported");
}

TEST_CASE("read_npy rejects NaN and infinities, naming the index", "[npy][errors]") {
  TempDir dir;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  require_rejected(dir, npy_file(1, dict("<f8", "(2, 3)"), f8_bytes({0, 1, 2, 3, 4, nan})),
                   "value at index (1, 2) is NaN; all values must be finite");
  require_rejected(dir, npy_file(1, dict("<f8", "(3,)"), f8_bytes({0, inf, 1})), "value at index (1,) is +Inf");
  require_rejected(dir, npy_file(1, dict("<f8", "()"), f8_bytes({nan})), "value at index () is NaN");
  std::vector<float> cube(8, 1.0f);
  cube[5] = -std::numeric_limits<float>::infinity();
  require_rejected(dir, npy_file(1, dict("<f4", "(2, 2, 2)"), f4_bytes(cube)), "value at index (1, 0, 1) is -Inf");
}

TEST_CASE("read_npy rejects malformed header dicts", "[npy][errors]") {
  TempDir dir;
  const std::string one = f8_bytes({1});
  require_rejected(dir, npy_file(1, "{'descr': '<f8', 'fortran_order': False, }", one), "header lacks the key 'shape'");
  require_rejected(dir, npy_file(1, "{'descr': '<f8', 'shape': (1,), }", one), "header lacks the key 'fortran_order'");
  require_rejected(dir, npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ", one),
                   "malformed header: expected a quoted string");
  require_rejected(dir, npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", one),
                   "unknown header key 'x'");
  require_rejected(dir, npy_file(1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", one),
                   "duplicate header key 'descr'");
  require_rejected(dir, npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", one),
                   "malformed header: text after the closing '}'");
  require_rejected(dir, npy_file(1, "[1]", one), "malformed header: expected '{' at offset 0");
  require_rejected(dir, npy_file(1, dict("<f8", "(1.5,)"), one), "malformed header");
  require_rejected(dir, npy_file(1, dict("<f8", "(1,)", "0"), one), "expected True or False");
  require_rejected(dir, npy_file(1, "{'descr': '<f8}", one), "malformed header: unterminated string");
  require_rejected(dir, npy_file(1, "{'descr': '<f\n8', 'fortran_order': False, 'shape': (1,)}", one),
                   "control character");
}

TEST_CASE("npy writers check their preconditions", "[npy][errors]") {
  TempDir dir;
  REQUIRE_THROWS_AS(write_npy_float64(dir / "w.npy", {2, 2}, {1, 2, 3}), std::logic_error);
  REQUIRE_THROWS_AS(write_npy_float32(dir / "w.npy", {3}, {1, 2}), std::logic_error);
  for (double not_float : {0.1, 1e300, DBL_TRUE_MIN})
    REQUIRE_THROWS_AS(write_npy_float32(dir / "w.npy", {1}, {not_float}), std::logic_error);
  REQUIRE_NOTHROW(write_npy_float32(dir / "w.npy", {2}, {0.5, double(FLT_MAX)}));
  REQUIRE_NOTHROW(write_npy_float32(dir / "w.npy", {2}, {std::nan(""), -HUGE_VAL}));  // NaN marks undecided outputs
  REQUIRE_THROWS_AS(write_npy_float64(dir / "no-such-dir" / "w.npy", {1}, {1.0}), std::runtime_error);
  REQUIRE_THROWS_WITH(write_npy_float64(dir / "no-such-dir" / "w.npy", {1}, {1.0}), Contains("no-such-dir/w.npy"));
}

// ---- float16 ('<f2') and uint16 ('<u2') ------------------------------------------------------

namespace {

// Bytes from a hex string (the reference files below were written by numpy 1.24.2 with np.save
// when these tests were written, and pasted here; no Python runs during the tests).
std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t k = 0; k + 1 < hex.size(); k += 2)
    out += static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16));
  return out;
}

// The IEEE-754 binary16 value of `bits`, from the definition (section 3.4), independent of npy.cpp.
double half_value(std::uint16_t bits) {
  const int field = (bits >> 10) & 31, m = bits & 1023;
  const double sign = (bits & 0x8000) ? -1.0 : 1.0;
  if (field == 31) return m ? std::nan("") : sign * HUGE_VAL;
  return sign * (field == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, field - 25));
}

std::string u2_bytes(const std::vector<std::uint16_t>& values) {
  std::string out;
  for (std::uint16_t v : values) out += std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  return out;
}

// The data bytes after the header of a version 1.0 file (10 bytes, then the header length field's count).
std::string data_of(const std::string& file) {
  return file.substr(10 + static_cast<unsigned char>(file[8]) + 256 * static_cast<unsigned char>(file[9]));
}

}  // namespace

TEST_CASE("write_npy_float16 writes the bytes numpy.save writes", "[npy][f2]") {
  TempDir dir;
  // np.save(f, np.array([[1.0, -2.5, 65504.0], [2**-24, -0.0, np.nan]], dtype=np.float16))
  write_npy_float16(dir / "h.npy", {2, 3}, {1.0, -2.5, 65504.0, 0x1p-24, -0.0, std::nan("")});
  REQUIRE(read_file(dir / "h.npy") ==
          from_hex("934e554d5059010076007b276465736372273a20273c6632272c2027666f727472616e5f6f72646572273a2046616c73"
                   "652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020"
                   "202020202020202020202020202020202020202020202020202020202020200a003c00c1ff7b01000080007e"));
  // np.save(f, np.array(np.float16(0.5))): a 0-d array.
  write_npy_float16(dir / "s.npy", {}, {0.5});
  REQUIRE(read_file(dir / "s.npy") ==
          from_hex("934e554d5059010076007b276465736372273a20273c6632272c2027666f727472616e5f6f72646572273a2046616c73"
                   "652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020"
                   "202020202020202020202020202020202020202020202020202020202020200a0038"));
}

TEST_CASE("write_npy_uint16 writes the bytes numpy.save writes", "[npy][u2]") {
  TempDir dir;
  // np.save(f, np.array([0x3f80, 0xc000, 0x7f7f, 0x0001, 0xffff], dtype=np.uint16))
  write_npy_uint16(dir / "u.npy", {5}, {0x3f80, 0xc000, 0x7f7f, 0x0001, 0xffff});
  REQUIRE(read_file(dir / "u.npy") ==
          from_hex("934e554d5059010076007b276465736372273a20273c7532272c2027666f727472616e5f6f72646572273a2046616c73"
                   "652c20277368617065273a2028352c292c207d2020202020202020202020202020202020202020202020202020202020"
                   "202020202020202020202020202020202020202020202020202020202020200a803f00c07f7f0100ffff"));
}

TEST_CASE("float16 round trip over every finite binary16 value", "[npy][f2]") {
  // Exhaustive: all 2^16 - 2 * 1024 + 2 finite patterns (+-0 included) are written as their own
  // encoding and read back as their exact value.
  std::vector<double> values;
  std::vector<std::uint16_t> patterns;
  for (unsigned bits = 0; bits <= 0xffff; ++bits) {
    const double x = half_value(static_cast<std::uint16_t>(bits));
    if (!std::isfinite(x)) continue;
    values.push_back(x);
    patterns.push_back(static_cast<std::uint16_t>(bits));
  }
  REQUIRE(values.size() == 65536 - 2 * 1024);
  TempDir dir;
  write_npy_float16(dir / "all.npy", {values.size()}, values);
  REQUIRE(data_of(read_file(dir / "all.npy")) == u2_bytes(patterns));
  const NpyArray array = read_npy(dir / "all.npy");
  REQUIRE(array.dtype == NpyDtype::float16);
  REQUIRE(array.shape == std::vector<std::size_t>{values.size()});
  for (std::size_t k = 0; k < values.size(); ++k)
    if (bits_of(array.values[k]) != bits_of(values[k])) FAIL_CHECK("pattern " << patterns[k] << " read back wrongly");
  // Same input, same bytes.
  write_npy_float16(dir / "again.npy", {values.size()}, values);
  REQUIRE(read_file(dir / "again.npy") == read_file(dir / "all.npy"));
}

TEST_CASE("uint16 round trip over every value", "[npy][u2]") {
  std::vector<std::uint16_t> values;
  for (unsigned v = 0; v <= 0xffff; ++v) values.push_back(static_cast<std::uint16_t>(v));
  TempDir dir;
  write_npy_uint16(dir / "u.npy", {256, 256}, values);
  REQUIRE(data_of(read_file(dir / "u.npy")) == u2_bytes(values));
  const NpyArray array = read_npy(dir / "u.npy");  // NaN bit patterns of bfloat16 are plain integers here
  REQUIRE(array.dtype == NpyDtype::uint16);
  REQUIRE(array.shape == std::vector<std::size_t>{256, 256});
  for (std::size_t k = 0; k < values.size(); ++k) REQUIRE(array.values[k] == static_cast<double>(k));
}

TEST_CASE("read_npy widens float16 exactly and rejects its NaN and infinities", "[npy][f2][errors]") {
  TempDir dir;
  write_bytes(dir / "f.npy", npy_file(1, dict("<f2", "(2, 2)"), u2_bytes({0x3555, 0x0001, 0x7bff, 0x8400})));
  const NpyArray array = read_npy(dir / "f.npy");
  REQUIRE(array.dtype == NpyDtype::float16);
  REQUIRE(array.values == std::vector<double>{0x1.554p-2, 0x1p-24, 65504.0, -0x1p-14});
  require_rejected(dir, npy_file(1, dict("<f2", "(2, 2)"), u2_bytes({0, 0, 0, 0x7e00})),
                   "value at index (1, 1) is NaN; all values must be finite");
  require_rejected(dir, npy_file(1, dict("<f2", "(3,)"), u2_bytes({0, 0x7c00, 0})), "value at index (1,) is +Inf");
  require_rejected(dir, npy_file(1, dict("<f2", "()"), u2_bytes({0xfc00})), "value at index () is -Inf");
  require_rejected(dir, npy_file(1, dict("<f2", "(2, 2)"), u2_bytes({1, 2, 3})),
                   "truncated data: shape (2, 2) of dtype '<f2' needs 8 data bytes, the file has 6");
  require_rejected(dir, npy_file(1, dict("<u2", "(1,)"), u2_bytes({1, 2})), "trailing bytes");
}

TEST_CASE("16-bit writers check their preconditions", "[npy][f2][u2][errors]") {
  TempDir dir;
  for (double not_half : {0.1, 65505.0, 65520.0, 1e5, 0x1p-25, 0x1.002p0, 1e300}) {
    INFO(not_half);
    REQUIRE_THROWS_AS(write_npy_float16(dir / "w.npy", {1}, {not_half}), std::logic_error);
  }
  REQUIRE_THROWS_WITH(write_npy_float16(dir / "w.npy", {1}, {0.1}),
                      "write_npy_float16: value 0x1.999999999999ap-4 is not a binary16 number");
  REQUIRE_THROWS_AS(write_npy_float16(dir / "w.npy", {3}, {1, 2}), std::logic_error);
  REQUIRE_THROWS_AS(write_npy_uint16(dir / "w.npy", {2, 2}, {1, 2, 3}), std::logic_error);
  // Infinities as they are; every NaN (any sign or payload) as numpy's 0x7e00.
  write_npy_float16(dir / "w.npy", {4}, {HUGE_VAL, -HUGE_VAL, std::nan(""), -std::nan("")});
  REQUIRE(data_of(read_file(dir / "w.npy")) == u2_bytes({0x7c00, 0xfc00, 0x7e00, 0x7e00}));
  REQUIRE_THROWS_AS(write_npy_uint16(dir / "no-such-dir" / "w.npy", {1}, {1}), std::runtime_error);
  REQUIRE_THROWS_AS(write_npy_float16(dir / "no-such-dir" / "w.npy", {1}, {1.0}), std::runtime_error);
}
