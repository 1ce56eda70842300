// NumPy .npy reader and writer. Format: numpy.lib.format (NEP 1), versions 1.0, 2.0 and 3.0.
#include "ropecert/npy.hpp"

#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>

#include "ropecert/errors.hpp"
#include "ropecert/rounding.hpp"

namespace ropecert {
namespace {

namespace fs = std::filesystem;

const std::string kMagic = "\x93NUMPY";
// Our headers are under 200 bytes; the cap only stops a corrupt length from driving allocation.
constexpr std::uint32_t kMaxHeaderLength = 65536;
// numpy (>= 1.24) reserves room for the first axis to grow in place: 21 digits minus its own.
constexpr std::size_t kGrowthAxisMaxDigits = 21;
constexpr std::size_t kArrayAlign = 64;

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw InputError(path.string() + ": " + problem);
}

// Python's repr of a tuple of ints: "()", "(5,)", "(3, 4)". Used for shapes and indices.

std::size_t item_size(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::float64:
      return 8;
    case NpyDtype::float32:
      return 4;
    case NpyDtype::float16:
    case NpyDtype::uint16:
      return 2;
  }
  throw std::logic_error("npy: unknown dtype");
}


// The value of the IEEE-754 binary16 encoding `bits` (section 3.4): sign, 5-bit exponent field with
// bias 15, 10-bit trailing significand; field 0 holds +-0 and the subnormals m * 2^-24, field 31
// infinities (m = 0) and NaNs. Exact in binary64 (11 significand bits, exponents -24 .. 15).
double binary16_value(std::uint16_t bits) {
  const int field = (bits >> 10) & 0x1f;
  const int m = bits & 0x3ff;
  double magnitude;
  if (field == 31)
    magnitude = m == 0 ? HUGE_VAL : std::numeric_limits<double>::quiet_NaN();
  else if (field == 0)
    magnitude = std::ldexp(static_cast<double>(m), -24);
  else
    magnitude = std::ldexp(static_cast<double>(m + 1024), field - 25);
  return (bits & 0x8000) ? -magnitude : magnitude;
}

// Number of data bytes for `shape`; false when the count overflows size_t.
bool data_bytes(const std::vector<std::size_t>& shape, std::size_t itemsize, std::size_t& bytes) {
  bytes = itemsize;
  for (std::size_t dim : shape) {
    if (dim != 0 && bytes > std::numeric_limits<std::size_t>::max() / dim) return false;
    bytes *= dim;
  }
  return true;
}

// Little-endian unsigned integer from `n` bytes, independent of the host byte order.
std::uint64_t load_le(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t k = n; k-- > 0;) v = (v << 8) | p[k];
  return v;
}

void store_le(std::string& out, std::uint64_t v, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) out += static_cast<char>((v >> (8 * k)) & 0xff);
}

struct Header {
  NpyDtype dtype = NpyDtype::float64;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;  // magic + version + length field + dict
};

// Recursive-descent parser for the header dict, a Python literal such as
// "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }".
class HeaderParser {
 public:
  HeaderParser(const fs::path& path, const std::string& text) : path_(path), text_(text) {}

  Header parse() {
    expect('{');
    bool seen[3] = {false, false, false};
    while (skip_space() != '}') {
      read_entry(seen);
      if (skip_space() != ',') break;
      ++pos_;
    }
    expect('}');
    if (text_.find_first_not_of(" \t\r\n", pos_) != std::string::npos) malformed("text after the closing '}'");
    const char* names[3] = {"descr", "fortran_order", "shape"};
    for (int k = 0; k < 3; ++k)
      if (!seen[k]) fail(path_, std::string("header lacks the key '") + names[k] + "'");
    return header_;
  }

 private:
  [[noreturn]] void malformed(const std::string& what) {
    fail(path_, "malformed header: " + what + " at offset " + std::to_string(pos_));
  }

  char skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  void expect(char c) {
    if (skip_space() != c) malformed(std::string("expected '") + c + "'");
    ++pos_;
  }

  void read_entry(bool seen[3]) {
    const std::string key = read_string();
    expect(':');
    const int slot = key == "descr" ? 0 : key == "fortran_order" ? 1 : key == "shape" ? 2 : -1;
    if (slot < 0) fail(path_, "unknown header key '" + key + "' (expected 'descr', 'fortran_order', 'shape')");
    if (seen[slot]) fail(path_, "duplicate header key '" + key + "'");
    seen[slot] = true;
    if (slot == 0) header_.dtype = dtype_from(read_string());
    if (slot == 1 && read_bool())
      fail(path_, "fortran_order True is not supported; save the array in C order (np.ascontiguousarray)");
    if (slot == 2) header_.shape = read_shape();
  }

  NpyDtype dtype_from(const std::string& descr) {
    for (NpyDtype dtype : {NpyDtype::float64, NpyDtype::float32, NpyDtype::float16, NpyDtype::uint16}) {
      const std::string little = npy_descr(dtype);
      if (descr == little) return dtype;
      if (descr == ">" + little.substr(1))
        fail(path_, "dtype '" + descr + "' is big-endian and not supported; save it as little-endian '" + little + "'");
    }
    fail(path_, "dtype '" + descr +
                    "' is not supported; expected float64 '<f8', float32 '<f4', float16 '<f2' or uint16 '<u2'");
  }

  std::string read_string() {
    const char quote = skip_space();
    if (quote != '\'' && quote != '"') malformed("expected a quoted string");
    const std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) malformed("unterminated string");
    std::string s = text_.substr(pos_ + 1, end - pos_ - 1);
    for (unsigned char c : s)
      if (c == '\\' || c < 0x20) malformed("escape or control character in string");
    pos_ = end + 1;
    return s;
  }

  bool read_bool() {
    skip_space();
    for (bool value : {true, false}) {
      const std::string word = value ? "True" : "False";
      if (text_.compare(pos_, word.size(), word) == 0) {
        pos_ += word.size();
        return value;
      }
    }
    malformed("expected True or False");
  }

  std::vector<std::size_t> read_shape() {
    expect('(');
    std::vector<std::size_t> shape;
    while (skip_space() != ')') {
      shape.push_back(read_dimension());
      if (skip_space() != ',') break;
      ++pos_;
    }
    expect(')');
    return shape;
  }

  std::size_t read_dimension() {
    if (text_[pos_] == '-') fail(path_, "shape has a negative dimension");
    if (!std::isdigit(static_cast<unsigned char>(text_[pos_])))
      malformed("expected a non-negative integer in the shape");
    std::size_t value = 0;
    for (; pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])); ++pos_) {
      const std::size_t digit = static_cast<std::size_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail(path_, "shape has an absurd dimension");
      value = value * 10 + digit;
    }
    return value;
  }

  const fs::path& path_;
  const std::string& text_;
  std::size_t pos_ = 0;
  Header header_;
};

std::string read_up_to(std::istream& in, std::size_t n) {
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

std::ifstream open_for_reading(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(path, "missing file");
  if (fs::is_directory(path, ec)) fail(path, "is a directory, expected a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file for reading");
  return in;
}

// Reads magic, version, header length and header; leaves `in` at the first data byte.
Header read_header(std::istream& in, const fs::path& path) {
  const std::string preamble = read_up_to(in, kMagic.size() + 2);
  if (preamble.compare(0, kMagic.size(), kMagic) != 0) fail(path, "not a .npy file (bad magic string)");
  if (preamble.size() < kMagic.size() + 2) fail(path, "truncated header");
  const int major = static_cast<unsigned char>(preamble[6]);
  const int minor = static_cast<unsigned char>(preamble[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail(path, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                   " (supported: 1.0, 2.0, 3.0)");
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  const std::string length_field = read_up_to(in, length_bytes);
  if (length_field.size() < length_bytes) fail(path, "truncated header");
  const std::uint64_t length = load_le(reinterpret_cast<const unsigned char*>(length_field.data()), length_bytes);
  if (length > kMaxHeaderLength)
    fail(path, "header length " + std::to_string(length) + " is absurd (limit " + std::to_string(kMaxHeaderLength) +
                   " bytes)");
  const std::string text = read_up_to(in, static_cast<std::size_t>(length));
  if (text.size() < length) fail(path, "truncated header");
  Header header = HeaderParser(path, text).parse();
  header.data_offset = preamble.size() + length_bytes + text.size();
  return header;
}

double decode(const unsigned char* p, NpyDtype dtype) {
  if (dtype == NpyDtype::float64) {
    const std::uint64_t bits = load_le(p, 8);
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  }
  if (dtype == NpyDtype::float16) return binary16_value(static_cast<std::uint16_t>(load_le(p, 2)));
  if (dtype == NpyDtype::uint16) return static_cast<double>(load_le(p, 2));
  const auto bits = static_cast<std::uint32_t>(load_le(p, 4));
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;  // float -> double is exact
}

// The C-order multi-index of flat position `flat`.
std::vector<std::size_t> unravel(std::size_t flat, const std::vector<std::size_t>& shape) {
  std::vector<std::size_t> index(shape.size());
  for (std::size_t k = shape.size(); k-- > 0;) {
    index[k] = flat % shape[k];
    flat /= shape[k];
  }
  return index;
}

std::vector<double> decode_all(const std::string& data, const Header& header, const fs::path& path) {
  const std::size_t size = item_size(header.dtype);
  std::vector<double> values(data.size() / size);
  for (std::size_t k = 0; k < values.size(); ++k) {
    values[k] = decode(reinterpret_cast<const unsigned char*>(data.data()) + k * size, header.dtype);
    if (header.dtype != NpyDtype::uint16 && !std::isfinite(values[k]))
      fail(path, "value at index " + npy_shape_text(unravel(k, header.shape)) + " is " +
                     (std::isnan(values[k]) ? "NaN"
                      : values[k] > 0       ? "+Inf"
                                            : "-Inf") +
                     "; all values must be finite");
  }
  return values;
}

// Byte-identical to numpy.save (numpy >= 1.24): sorted keys, growth padding, then spaces and
// '\n' so that magic + length + dict is a multiple of 64 (numpy adds 64 spaces when already aligned).
std::string header_bytes(const std::vector<std::size_t>& shape, NpyDtype dtype) {
  std::string dict = std::string("{'descr': '") + npy_descr(dtype) +
                     "', 'fortran_order': False, 'shape': " + npy_shape_text(shape) + ", }";
  if (!shape.empty()) dict.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');
  dict.append(kArrayAlign - (kMagic.size() + 2 + 2 + dict.size() + 1) % kArrayAlign, ' ');
  dict += '\n';
  if (dict.size() > 0xffff) throw std::logic_error("write_npy: header too long for format version 1.0");
  std::string out = kMagic + std::string("\x01\x00", 2);
  store_le(out, dict.size(), 2);
  return out + dict;
}

// The quiet NaN numpy writes for np.float16('nan').
constexpr std::uint16_t kBinary16QuietNan = 0x7e00;

void encode(std::string& out, double v, NpyDtype dtype) {
  if (dtype == NpyDtype::float64) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof v);
    store_le(out, bits, 8);
    return;
  }
  if (dtype == NpyDtype::float16) {  // binary16_bits checks that v is a binary16 number
    store_le(out, std::isnan(v) ? kBinary16QuietNan : binary16_bits(v), 2);
    return;
  }
  const auto f = static_cast<float>(v);  // exact: write_npy_float32 checked v
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof f);
  store_le(out, bits, 4);
}

// Header for `count` items of `dtype` in `shape`; std::logic_error when the count does not fit.
std::string checked_header(const std::vector<std::size_t>& shape, std::size_t count, NpyDtype dtype) {
  std::size_t bytes = 0;
  if (!data_bytes(shape, item_size(dtype), bytes) || bytes / item_size(dtype) != count)
    throw std::logic_error("write_npy: " + std::to_string(count) + " values do not fit shape " + npy_shape_text(shape));
  return header_bytes(shape, dtype);
}

void write_bytes(const fs::path& path, const std::string& out) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  file.close();
  if (!file) throw std::runtime_error(path.string() + ": cannot write file");
}

void write_npy(const fs::path& path, const std::vector<std::size_t>& shape, const std::vector<double>& values,
               NpyDtype dtype) {
  std::string out = checked_header(shape, values.size(), dtype);
  for (double v : values) encode(out, v, dtype);
  write_bytes(path, out);
}

// The number of data bytes `header` promises; the file must hold exactly these after the header.
std::size_t checked_data_bytes(const fs::path& path, const Header& header) {
  std::size_t needed = 0;
  if (!data_bytes(header.shape, item_size(header.dtype), needed))
    fail(path, "shape " + npy_shape_text(header.shape) + " is absurd: its size overflows");
  std::error_code ec;
  const std::uintmax_t file_size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot determine the file size");
  const std::uintmax_t present = file_size - header.data_offset;
  if (present != needed)
    fail(path, std::string(present < needed ? "truncated data" : "trailing bytes") + ": shape " +
                   npy_shape_text(header.shape) + " of dtype '" + npy_descr(header.dtype) + "' needs " +
                   std::to_string(needed) + " data bytes, the file has " + std::to_string(present));
  return needed;
}

}  // namespace

NpyArray read_npy(const fs::path& path) {
  std::ifstream in = open_for_reading(path);
  const Header header = read_header(in, path);
  const std::size_t needed = checked_data_bytes(path, header);
  const std::string data = read_up_to(in, needed);
  if (data.size() != needed) fail(path, "read error in the data");
  NpyArray array;
  array.dtype = header.dtype;
  array.shape = header.shape;
  array.values = decode_all(data, header, path);
  return array;
}

void write_npy_float64(const fs::path& path, const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  write_npy(path, shape, values, NpyDtype::float64);
}

void write_npy_float32(const fs::path& path, const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  for (double v : values) {
    // The range test comes first: narrowing a finite double beyond FLT_MAX is undefined behaviour.
    const bool is_float = !std::isfinite(v) || (std::fabs(v) <= FLT_MAX && static_cast<double>(static_cast<float>(v)) == v);
    if (!is_float) {
      char text[40];
      std::snprintf(text, sizeof text, "%a", v);
      throw std::logic_error(std::string("write_npy_float32: value ") + text + " is not a float32 number");
    }
  }
  write_npy(path, shape, values, NpyDtype::float32);
}

void write_npy_float16(const fs::path& path, const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    try {
      binary16_bits(v);
    } catch (const std::invalid_argument&) {
      char text[40];
      std::snprintf(text, sizeof text, "%a", v);
      throw std::logic_error(std::string("write_npy_float16: value ") + text + " is not a binary16 number");
    }
  }
  write_npy(path, shape, values, NpyDtype::float16);
}

void write_npy_uint16(const fs::path& path, const std::vector<std::size_t>& shape,
                      const std::vector<std::uint16_t>& values) {
  std::string out = checked_header(shape, values.size(), NpyDtype::uint16);
  for (std::uint16_t v : values) store_le(out, v, 2);
  write_bytes(path, out);
}

std::string npy_shape_text(const std::vector<std::size_t>& items) {
  std::string s = "(";
  for (std::size_t k = 0; k < items.size(); ++k) s += (k ? ", " : "") + std::to_string(items[k]);
  return s + (items.size() == 1 ? ",)" : ")");
}

const char* npy_descr(NpyDtype dtype) {
  switch (dtype) {
    case NpyDtype::float64:
      return "<f8";
    case NpyDtype::float32:
      return "<f4";
    case NpyDtype::float16:
      return "<f2";
    case NpyDtype::uint16:
      return "<u2";
  }
  throw std::logic_error("npy: unknown dtype");
}

}  // namespace ropecert
