// The case directory format "ropecert-case/1" (case_io.hpp): case.json plus Q, K, V (and W) .npy files.
#include "ropecert/case_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/output_dir.hpp"

namespace ropecert {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "ropecert-case/1";

// The files of a case directory, named per part of the problem: load_case's errors name them.
const PartNames kFiles{"Q.npy", "K.npy", "V.npy", "W.npy", "case.json"};

// One table per enumeration, read by load_case and written by save_case.
template <class E>
using Names = std::initializer_list<std::pair<const char*, E>>;
const Names<Kind> kKinds = {{"rope", Kind::rope}, {"general", Kind::general}};
const Names<MaskKind> kMasks = {{"none", MaskKind::none}, {"causal", MaskKind::causal}};
const Names<Pairing> kPairings = {{"half", Pairing::half}, {"interleaved", Pairing::interleaved}};
const Names<Angles> kAngles = {{"standard", Angles::standard}, {"pythagorean", Angles::pythagorean}};
const Names<Scale::Rule> kScaleRules = {{"inv_d", Scale::Rule::inv_d}, {"inv_sqrt_d", Scale::Rule::inv_sqrt_d}};
// HF's rope_type names; "default" is no scaling (read only: save_case omits the scaling object then).
const Names<RopeScalingKind> kRopeTypes = {
    {"default", RopeScalingKind::none}, {"linear", RopeScalingKind::linear}, {"dynamic", RopeScalingKind::dynamic},
    {"yarn", RopeScalingKind::yarn},    {"llama3", RopeScalingKind::llama3}, {"longrope", RopeScalingKind::longrope}};
const Names<InvFreqEmulation> kInvFreqEmulations = {{"exact", InvFreqEmulation::exact},
                                                    {"float32", InvFreqEmulation::float32}};
const Names<CosSinEmulation> kCosSinEmulations = {{"exact", CosSinEmulation::exact},
                                                  {"float32", CosSinEmulation::float32},
                                                  {"bfloat16", CosSinEmulation::bfloat16},
                                                  {"float16", CosSinEmulation::float16}};

template <class E>
const char* name_of(Names<E> names, E value) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  throw std::logic_error("case_io: enumeration value without a name");
}

[[noreturn]] void fail(const fs::path& file, const std::string& problem) {
  throw InputError(file.string() + ": " + problem);
}

// A key as 'name', with JSON escapes so that the message stays on one line.
std::string quoted_key(const std::string& key) {
  const std::string escaped = json(key).dump();
  return "'" + escaped.substr(1, escaped.size() - 2) + "'";
}

// A JSON value for an error message: short scalars verbatim, containers by type.
std::string describe(const json& value) {
  if (value.is_structured()) return std::string("an ") + value.type_name();
  const std::string text = value.dump();
  return text.size() <= 40 ? text : text.substr(0, 37) + "...";
}

// Typed, checked access to one JSON object of case.json; errors name the file and the key.
class Fields {
 public:
  Fields(const json& object, const fs::path& file, std::string prefix, std::initializer_list<const char*> allowed)
      : object_(object), file_(file), prefix_(std::move(prefix)) {
    std::string list;
    for (const char* key : allowed) list += (list.empty() ? "" : ", ") + std::string(key);
    for (const auto& item : object.items())
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* key) { return item.key() == key; }))
        fail(file_, "unknown key " + quoted_key(prefix_ + item.key()) + " (allowed: " + list + ")");
  }

  // The value of `key`; nullptr when it is absent and optional.
  const json* get(const char* key, bool required = false) const {
    const auto it = object_.find(key);
    if (it != object_.end()) return &*it;
    if (required) fail(file_, "missing required key " + quoted_key(prefix_ + key));
    return nullptr;
  }

  [[noreturn]] void wrong_type(const char* key, const char* expected, const json& value) const {
    fail(file_, "key " + quoted_key(prefix_ + key) + " must be " + expected + ", got " + describe(value));
  }

  std::optional<std::string> text(const char* key, bool required = false) const {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) wrong_type(key, "a string", *v);
    return v->get<std::string>();
  }

  template <class E>
  std::optional<E> choice(const char* key, Names<E> names, bool required = false) const {
    const std::optional<std::string> value = text(key, required);
    if (!value) return std::nullopt;
    std::string expected;
    for (const auto& [name, e] : names) {
      if (*value == name) return e;
      expected += (expected.empty() ? "\"" : " or \"") + std::string(name) + "\"";
    }
    fail(file_, "key " + quoted_key(prefix_ + key) + " is " + describe(*value) + "; expected " + expected);
  }

  std::optional<std::int64_t> integer(const char* key) const {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) wrong_type(key, "an integer", *v);
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      fail(file_, "key " + quoted_key(prefix_ + key) + " = " + v->dump() + " is out of range");
    return v->get<std::int64_t>();
  }

  std::optional<double> number(const char* key) const {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) wrong_type(key, "a number", *v);
    return v->get<double>();
  }

  // A non-negative integer (the lengths of rope.scaling).
  std::optional<std::uint64_t> count(const char* key) const {
    const std::optional<std::int64_t> value = integer(key);
    if (value && *value < 0)
      fail(file_, "key " + quoted_key(prefix_ + key) + " must be >= 0, got " + std::to_string(*value));
    if (!value) return std::nullopt;
    return static_cast<std::uint64_t>(*value);
  }

  std::optional<bool> boolean(const char* key) const {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) wrong_type(key, "true or false", *v);
    return v->get<bool>();
  }

  // An array of numbers; an element of another type is named by its index.
  std::optional<std::vector<double>> numbers(const char* key) const {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_array()) wrong_type(key, "an array of numbers", *v);
    std::vector<double> values;
    for (std::size_t k = 0; k < v->size(); ++k) {
      const json& element = (*v)[k];
      if (!element.is_number())
        fail(file_, "key " + quoted_key(prefix_ + key) + " must be an array of numbers, but element " +
                        std::to_string(k) + " is " + describe(element));
      values.push_back(element.get<double>());
    }
    return values;
  }

  // The object at `key`, or nullptr when absent; anything else is an error.
  const json* object(const char* key) const {
    const json* v = get(key);
    if (v && !v->is_object()) wrong_type(key, "an object", *v);
    return v;
  }

 private:
  const json& object_;
  const fs::path& file_;
  std::string prefix_;
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, fs::exists(file) ? "cannot open file for reading" : "missing file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// nlohmann keeps the last of duplicate keys silently; a callback rejects them instead.
json parse_json(const fs::path& file) {
  const std::string text = read_text(file);
  std::vector<std::set<std::string>> open_objects;  // keys seen so far in each enclosing object
  const json::parser_callback_t reject_duplicates = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second)
      fail(file, "duplicate key " + quoted_key(parsed.get<std::string>()));
    return true;
  };
  try {
    return json::parse(text, reject_duplicates);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e400
    const std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line ..."
    fail(file, "malformed JSON: " + what.substr(what.find("] ") + 2));
  }
}

Scale read_scale(const Fields& top, const fs::path& file) {
  Scale scale;
  const json* v = top.get("scale");
  if (v && v->is_number())
    fail(file,
         "key 'scale' must be a string such as \"0.125\", not a JSON number (which is rounded to binary "
         "when parsed); put the decimal in quotes");
  const std::optional<std::string> text = top.text("scale");
  if (!text) return scale;
  for (const auto& [name, rule] : kScaleRules)
    if (*text == name) {
      scale.rule = rule;
      return scale;
    }
  scale.rule = Scale::Rule::decimal;  // validate_problem checks the syntax
  scale.decimal = *text;
  return scale;
}

// rope.scaling: HF's rope_scaling dictionary (problem.hpp, RopeScaling). Keys a kind does not use are read
// and ignored, as HF does; validate_problem checks the values.
RopeScaling read_scaling(const json& value, const fs::path& file) {
  const Fields f(value, file, "rope.scaling.",
                 {"rope_type", "factor", "original_max_position_embeddings", "max_position_embeddings",
                  "sequence_length", "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate",
                  "attention_factor", "low_freq_factor", "high_freq_factor", "short_factor", "long_factor"});
  RopeScaling s;
  s.kind = *f.choice("rope_type", kRopeTypes, true);
  s.factor = f.number("factor");
  s.original_max_position_embeddings =
      f.count("original_max_position_embeddings").value_or(s.original_max_position_embeddings);
  s.max_position_embeddings = f.count("max_position_embeddings").value_or(s.max_position_embeddings);
  s.sequence_length = f.count("sequence_length").value_or(s.sequence_length);
  s.beta_fast = f.number("beta_fast").value_or(s.beta_fast);
  s.beta_slow = f.number("beta_slow").value_or(s.beta_slow);
  s.mscale = f.number("mscale");
  s.mscale_all_dim = f.number("mscale_all_dim");
  s.truncate = f.boolean("truncate").value_or(s.truncate);
  s.attention_factor = f.number("attention_factor");
  s.low_freq_factor = f.number("low_freq_factor").value_or(s.low_freq_factor);
  s.high_freq_factor = f.number("high_freq_factor").value_or(s.high_freq_factor);
  s.short_factor = f.numbers("short_factor").value_or(s.short_factor);
  s.long_factor = f.numbers("long_factor").value_or(s.long_factor);
  return s;
}

// rope.emulate (problem.hpp, RopeEmulation).
RopeEmulation read_emulation(const json& value, const fs::path& file) {
  const Fields f(value, file, "rope.emulate.", {"inv_freq", "cos_sin"});
  RopeEmulation e;
  e.inv_freq = f.choice("inv_freq", kInvFreqEmulations).value_or(e.inv_freq);
  e.cos_sin = f.choice("cos_sin", kCosSinEmulations).value_or(e.cos_sin);
  return e;
}

// Fills problem.rope; returns whether rotary_dim was given (its default d needs Q's shape).
bool read_rope(const json& value, const fs::path& file, Problem& problem) {
  if (problem.kind != Kind::rope) fail(file, "key 'rope' applies only to kind rope; remove it for kind general");
  if (!value.is_object()) fail(file, "key 'rope' must be an object, got " + describe(value));
  const Fields rope(value, file, "rope.",
                    {"angles", "base", "pairing", "rotary_dim", "q_offset", "k_offset", "scaling", "emulate"});
  RopeParams& r = problem.rope;
  r.angles = rope.choice("angles", kAngles).value_or(r.angles);
  if (r.angles == Angles::pythagorean && rope.get("base"))
    fail(file, "key 'rope.base' does not apply to angles \"pythagorean\"; remove it");
  r.base = rope.number("base").value_or(r.base);
  r.pairing = rope.choice("pairing", kPairings).value_or(r.pairing);
  r.q_offset = rope.integer("q_offset").value_or(r.q_offset);
  r.k_offset = rope.integer("k_offset").value_or(r.k_offset);
  const std::optional<std::int64_t> rotary_dim = rope.integer("rotary_dim");
  if (rotary_dim && *rotary_dim < 0)
    fail(file, "key 'rope.rotary_dim' must be a positive even integer, got " + std::to_string(*rotary_dim));
  if (rotary_dim) r.rotary_dim = static_cast<std::size_t>(*rotary_dim);
  if (const json* scaling = rope.object("scaling")) r.scaling = read_scaling(*scaling, file);
  if (const json* emulate = rope.object("emulate")) r.emulate = read_emulation(*emulate, file);
  return rotary_dim.has_value();
}

// Reads case.json into the settings of a Problem (no arrays yet).
Problem read_settings(const fs::path& file, bool& rotary_dim_given) {
  const json doc = parse_json(file);
  if (!doc.is_object()) fail(file, "the top level must be a JSON object, got " + describe(doc));
  const Fields top(doc, file, "", {"format", "kind", "scale", "mask", "rope"});
  const std::string format = *top.text("format", true);
  if (format != kFormat) fail(file, "format " + describe(format) + " is not supported; expected \"" + kFormat + "\"");
  Problem problem;
  problem.kind = *top.choice("kind", kKinds, true);
  problem.mask = top.choice("mask", kMasks).value_or(MaskKind::none);
  problem.scale = read_scale(top, file);
  if (const json* rope = top.get("rope")) rotary_dim_given = read_rope(*rope, file, problem);
  return problem;
}

// `file` read with read_npy; the case format takes float64 and float32 only (a '<u2' file holds bfloat16
// bit patterns, which read_npy gives as integers).
NpyArray read_case_array(const fs::path& file) {
  NpyArray array = read_npy(file);
  if (array.dtype != NpyDtype::float64 && array.dtype != NpyDtype::float32)
    fail(file, std::string("dtype '") + npy_descr(array.dtype) +
                   "' is not supported; expected float64 ('<f8') or float32 ('<f4'), which hold every float16 and "
                   "bfloat16 value exactly");
  return array;
}

Matrix read_matrix(const fs::path& file, const char* dims) {
  NpyArray array = read_case_array(file);
  if (array.shape.size() != 2)
    fail(file,
         std::string("expected a 2-D array ") + dims + ", got a " + std::to_string(array.shape.size()) + "-D array");
  Matrix m;
  m.rows = array.shape[0];
  m.cols = array.shape[1];
  m.values = std::move(array.values);
  return m;
}

// W.npy of shape (2n-1, d, d) as the matrices W[0] .. W[2n-2].
std::vector<Matrix> read_coupling(const fs::path& file) {
  const NpyArray array = read_case_array(file);
  if (array.shape.size() != 3)
    fail(file, "expected a 3-D array (2n-1, d, d), got a " + std::to_string(array.shape.size()) + "-D array");
  // Bounds the number of matrices by the file size before allocating them.
  if (array.values.empty() && array.shape[0] != 0) fail(file, "holds empty matrices; expected d >= 1");
  std::vector<Matrix> W(array.shape[0], Matrix(array.shape[1], array.shape[2]));
  const std::size_t size = array.shape[1] * array.shape[2];
  for (std::size_t k = 0; k < W.size(); ++k)
    std::copy(array.values.begin() + k * size, array.values.begin() + (k + 1) * size, W[k].values.begin());
  return W;
}

// rope.scaling with rope_type and every field that differs from RopeScaling's default, in the order of
// read_scaling's key list (doubles as the shortest decimal that reads back to the same double).
nlohmann::ordered_json scaling_json(const RopeScaling& s) {
  const RopeScaling defaults;
  nlohmann::ordered_json j;
  j["rope_type"] = name_of(kRopeTypes, s.kind);
  if (s.factor) j["factor"] = *s.factor;
  if (s.original_max_position_embeddings != defaults.original_max_position_embeddings)
    j["original_max_position_embeddings"] = s.original_max_position_embeddings;
  if (s.max_position_embeddings != defaults.max_position_embeddings)
    j["max_position_embeddings"] = s.max_position_embeddings;
  if (s.sequence_length != defaults.sequence_length) j["sequence_length"] = s.sequence_length;
  // Bitwise comparisons, so that -0.0 (not HF's default) is written back.
  const auto differs = [](double a, double b) { return a != b || std::signbit(a) != std::signbit(b); };
  if (differs(s.beta_fast, defaults.beta_fast)) j["beta_fast"] = s.beta_fast;
  if (differs(s.beta_slow, defaults.beta_slow)) j["beta_slow"] = s.beta_slow;
  if (s.mscale) j["mscale"] = *s.mscale;
  if (s.mscale_all_dim) j["mscale_all_dim"] = *s.mscale_all_dim;
  if (s.truncate != defaults.truncate) j["truncate"] = s.truncate;
  if (s.attention_factor) j["attention_factor"] = *s.attention_factor;
  if (differs(s.low_freq_factor, defaults.low_freq_factor)) j["low_freq_factor"] = s.low_freq_factor;
  if (differs(s.high_freq_factor, defaults.high_freq_factor)) j["high_freq_factor"] = s.high_freq_factor;
  if (!s.short_factor.empty()) j["short_factor"] = s.short_factor;
  if (!s.long_factor.empty()) j["long_factor"] = s.long_factor;
  return j;
}

nlohmann::ordered_json settings_json(const Problem& p) {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["kind"] = name_of(kKinds, p.kind);
  j["scale"] = p.scale.rule == Scale::Rule::decimal ? p.scale.decimal : name_of(kScaleRules, p.scale.rule);
  j["mask"] = name_of(kMasks, p.mask);
  if (p.kind != Kind::rope) return j;
  nlohmann::ordered_json& rope = j["rope"];
  rope["angles"] = name_of(kAngles, p.rope.angles);
  // nlohmann prints the shortest decimal that parses back to the same double.
  if (p.rope.angles == Angles::standard) rope["base"] = p.rope.base;
  rope["pairing"] = name_of(kPairings, p.rope.pairing);
  rope["rotary_dim"] = p.rope.rotary_dim;
  rope["q_offset"] = p.rope.q_offset;
  rope["k_offset"] = p.rope.k_offset;
  // Written only when not the default, so that cases without them keep their exact bytes.
  if (p.rope.scaling.kind != RopeScalingKind::none) rope["scaling"] = scaling_json(p.rope.scaling);
  const RopeEmulation& e = p.rope.emulate;
  if (e.inv_freq != InvFreqEmulation::exact || e.cos_sin != CosSinEmulation::exact) {
    nlohmann::ordered_json& emulate = rope["emulate"];
    if (e.inv_freq != InvFreqEmulation::exact) emulate["inv_freq"] = name_of(kInvFreqEmulations, e.inv_freq);
    if (e.cos_sin != CosSinEmulation::exact) emulate["cos_sin"] = name_of(kCosSinEmulations, e.cos_sin);
  }
  return j;
}

void write_matrix(const fs::path& file, const Matrix& m) { write_npy_float64(file, {m.rows, m.cols}, m.values); }

}  // namespace

Problem load_case(const fs::path& dir) {
  if (!fs::is_directory(dir)) fail(dir, fs::exists(dir) ? "is not a directory" : "no such case directory");
  bool rotary_dim_given = false;
  Problem p = read_settings(dir / kFiles.settings, rotary_dim_given);
  p.Q = read_matrix(dir / kFiles.Q, "(n_q, d)");
  p.K = read_matrix(dir / kFiles.K, "(n_k, d)");
  p.V = read_matrix(dir / kFiles.V, "(n_k, d_v)");
  // A stray W.npy beside a kind rope case is loaded so that validate_problem rejects it.
  if (p.kind == Kind::general || fs::exists(dir / kFiles.W)) p.W = read_coupling(dir / kFiles.W);
  if (p.kind == Kind::rope && !rotary_dim_given) {
    if (p.d() % 2 != 0)
      fail(dir / kFiles.settings,
           "RoPE needs an even head dimension d, got d = " + std::to_string(p.d()) + "; set rope.rotary_dim");
    p.rope.rotary_dim = p.d();
  }
  try {
    validate_problem(p, dir.string(), kFiles);
  } catch (const ProblemError& error) {  // named by the file that holds the part
    fail(dir / kFiles.of(error.part()), error.detail());
  }
  return p;
}

void save_case(const Problem& problem, const fs::path& dir) {
  if (!fs::is_directory(dir) || !fs::is_empty(dir))
    throw std::logic_error("save_case: " + dir.string() + " is not an existing empty directory");
  write_text_file(dir / kFiles.settings, settings_json(problem).dump(2) + "\n");
  write_matrix(dir / kFiles.Q, problem.Q);
  write_matrix(dir / kFiles.K, problem.K);
  write_matrix(dir / kFiles.V, problem.V);
  if (problem.kind != Kind::general) return;
  std::vector<double> w;
  for (const Matrix& m : problem.W) w.insert(w.end(), m.values.begin(), m.values.end());
  write_npy_float64(dir / kFiles.W, {problem.W.size(), problem.d(), problem.d()}, w);
}

}  // namespace ropecert
