// The Python module `ropecert` (pybind11): certified attention on NumPy arrays, and golden suites
// (golden.hpp; read through golden_manifest.hpp's checked loader) as NumPy arrays. A thin face over the library, like the CLI: every number
// reaches the library exactly (float16/32/64 arrays are widened to binary64, which holds them), and
// every bad input becomes a ValueError with a one-line message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ropecert/certified_eval.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/problem.hpp"
#include "ropecert/rounding.hpp"
#include "ropecert/golden_manifest.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace ropecert {
namespace {

[[noreturn]] void bad(const std::string& message) { throw py::value_error(message); }

// One table per enumeration: the Python spelling of each value.
template <class E>
using Names = std::initializer_list<std::pair<const char*, E>>;
const Names<Kind> kKinds = {{"rope", Kind::rope}, {"general", Kind::general}};
const Names<Pairing> kPairings = {{"half", Pairing::half}, {"interleaved", Pairing::interleaved}};
const Names<Angles> kAngles = {{"standard", Angles::standard}, {"pythagorean", Angles::pythagorean}};
const Names<RopeScalingKind> kScalingKinds = {
    {"default", RopeScalingKind::none}, {"linear", RopeScalingKind::linear}, {"dynamic", RopeScalingKind::dynamic},
    {"yarn", RopeScalingKind::yarn},    {"llama3", RopeScalingKind::llama3}, {"longrope", RopeScalingKind::longrope}};
const Names<InvFreqEmulation> kInvFreq = {{"exact", InvFreqEmulation::exact}, {"float32", InvFreqEmulation::float32}};
const Names<CosSinEmulation> kCosSin = {{"exact", CosSinEmulation::exact},
                                        {"float32", CosSinEmulation::float32},
                                        {"bfloat16", CosSinEmulation::bfloat16},
                                        {"float16", CosSinEmulation::float16}};

// Python's repr of `value`, for messages.
std::string shown(const py::handle& value) { return py::repr(value).cast<std::string>(); }

template <class E>
E choice(const py::handle& value, Names<E> names, const std::string& what) {
  std::string expected;
  for (const auto& [name, e] : names) {
    if (py::isinstance<py::str>(value) && value.cast<std::string>() == name) return e;
    expected += (expected.empty() ? "'" : " or '") + std::string(name) + "'";
  }
  bad(what + " is " + shown(value) + "; expected " + expected);
}

// A Python number (int, float, NumPy scalar; not bool) as the double equal to it; ValueError if it has
// no exact binary64 value (e.g. an int above 2^53 that is not a double) or is not finite.
double exact_double(const py::handle& value, const std::string& what) {
  if (py::isinstance<py::bool_>(value) || py::isinstance<py::str>(value) || !py::hasattr(value, "__float__"))
    bad(what + " must be a number, got " + shown(value));
  const double x = py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>();
  if (!std::isfinite(x)) bad(what + " = " + shown(value) + " must be finite");
  if (!py::float_(x).equal(value)) bad(what + " = " + shown(value) + " is not exactly a float64 number");
  return x;
}

// A non-negative integer (a Python int or NumPy integer, not bool) that fits in a uint64.
std::uint64_t natural(const py::handle& value, const std::string& what) {
  if (py::isinstance<py::bool_>(value) || !PyIndex_Check(value.ptr()))
    bad(what + " must be an integer, got " + shown(value));
  const auto n = py::reinterpret_steal<py::int_>(PyNumber_Index(value.ptr()));
  if (!n) throw py::error_already_set();
  if (n < py::int_(0) || n > py::int_(UINT64_MAX)) bad(what + " = " + shown(value) + " is out of range");
  return n.cast<std::uint64_t>();
}

// An array-like of float16, float32 or float64 values as a C-order float64 array (an exact widening).
py::array_t<double, py::array::c_style> float_array(const py::handle& value, const std::string& what,
                                                    py::ssize_t ndim) {
  const py::array array = py::array::ensure(value);
  if (!array) bad(what + ": expected a NumPy array, got " + shown(py::type::handle_of(value)));
  const py::dtype dtype = array.dtype();
  if (dtype.kind() != 'f' || dtype.itemsize() > 8)
    bad(what + ": dtype " + dtype.attr("name").cast<std::string>() +
        " is not supported; pass float64, float32 or float16 (taken exactly)");
  if (array.ndim() != ndim)
    bad(what + ": expected a " + std::to_string(ndim) + "-D array, got " + std::to_string(array.ndim()) + "-D");
  return py::array_t<double, py::array::c_style>::ensure(array);  // a safe cast: exact
}

Matrix matrix_of(const py::handle& value, const std::string& what) {
  const auto array = float_array(value, what, 2);
  Matrix m(static_cast<std::size_t>(array.shape(0)), static_cast<std::size_t>(array.shape(1)));
  std::copy(array.data(), array.data() + array.size(), m.values.begin());
  return m;
}

// W of shape (2n-1, d, d) as the matrices W[0] .. W[2n-2].
std::vector<Matrix> coupling_of(const py::handle& value) {
  const auto array = float_array(value, "W", 3);
  const std::size_t count = static_cast<std::size_t>(array.shape(0));
  const std::size_t rows = static_cast<std::size_t>(array.shape(1)), cols = static_cast<std::size_t>(array.shape(2));
  std::vector<Matrix> W(count, Matrix(rows, cols));
  for (std::size_t k = 0; k < count; ++k)
    std::copy(array.data() + k * rows * cols, array.data() + (k + 1) * rows * cols, W[k].values.begin());
  return W;
}

// "inv_d", "inv_sqrt_d", a decimal string (exact), or a Python number (its exact binary value, written
// out as the finite decimal every binary64 number has).
Scale scale_of(const py::handle& value) {
  Scale scale;
  if (py::isinstance<py::str>(value)) {
    const std::string text = value.cast<std::string>();
    if (text == "inv_d") {
      scale.rule = Scale::Rule::inv_d;
    } else if (text == "inv_sqrt_d") {
      scale.rule = Scale::Rule::inv_sqrt_d;
    } else {
      scale.rule = Scale::Rule::decimal;  // validate_problem checks the syntax
      scale.decimal = text;
    }
    return scale;
  }
  const double x = exact_double(value, "scale");
  scale.rule = Scale::Rule::decimal;
  scale.decimal = py::str(py::module_::import("decimal").attr("Decimal")(x)).cast<std::string>();
  return scale;
}

// Checks that every key of `dict` is a string among `allowed`.
void check_keys(const py::dict& dict, const std::string& what, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* key : allowed) list += (list.empty() ? "" : ", ") + std::string(key);
  for (const auto& item : dict) {
    const bool known = py::isinstance<py::str>(item.first) &&
                       std::any_of(allowed.begin(), allowed.end(),
                                   [&](const char* key) { return item.first.cast<std::string>() == key; });
    if (!known) bad(what + ": unknown key " + shown(item.first) + " (allowed: " + list + ")");
  }
}

// HF's rope_scaling dictionary (keys as in HF's configs; None means absent, as HF's `get` reads it).
RopeScaling scaling_of(const py::handle& value) {
  if (!py::isinstance<py::dict>(value)) bad("rope_scaling must be a dict or None, got " + shown(value));
  const py::dict d = py::reinterpret_borrow<py::dict>(value);
  check_keys(d, "rope_scaling",
             {"rope_type", "type", "factor", "original_max_position_embeddings", "max_position_embeddings",
              "sequence_length", "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate", "attention_factor",
              "low_freq_factor", "high_freq_factor", "short_factor", "long_factor"});
  const auto given = [&](const char* key) { return d.contains(key) && !d[key].is_none(); };
  const auto number = [&](const char* key) { return exact_double(d[key], std::string("rope_scaling['") + key + "']"); };
  const auto integer = [&](const char* key) { return natural(d[key], std::string("rope_scaling['") + key + "']"); };
  const auto numbers = [&](const char* key) {
    const std::string what = std::string("rope_scaling['") + key + "']";
    if (py::isinstance<py::str>(d[key]) || !py::isinstance<py::sequence>(d[key]))
      bad(what + " must be a list of numbers, got " + shown(d[key]));
    std::vector<double> out;
    for (const py::handle item : py::reinterpret_borrow<py::sequence>(d[key])) out.push_back(exact_double(item, what));
    return out;
  };

  if (given("rope_type") && given("type") && !d["rope_type"].equal(d["type"]))
    bad("rope_scaling: 'rope_type' " + shown(d["rope_type"]) + " and its legacy spelling 'type' " + shown(d["type"]) +
        " differ");
  if (!given("rope_type") && !given("type")) bad("rope_scaling: missing key 'rope_type'");
  RopeScaling s;
  s.kind = choice(given("rope_type") ? d["rope_type"] : d["type"], kScalingKinds, "rope_scaling['rope_type']");
  if (given("factor")) s.factor = number("factor");
  if (given("original_max_position_embeddings"))
    s.original_max_position_embeddings = integer("original_max_position_embeddings");
  if (given("max_position_embeddings")) s.max_position_embeddings = integer("max_position_embeddings");
  if (given("sequence_length")) s.sequence_length = integer("sequence_length");
  if (given("beta_fast")) s.beta_fast = number("beta_fast");
  if (given("beta_slow")) s.beta_slow = number("beta_slow");
  if (given("mscale")) s.mscale = number("mscale");
  if (given("mscale_all_dim")) s.mscale_all_dim = number("mscale_all_dim");
  if (given("truncate")) {
    if (!py::isinstance<py::bool_>(d["truncate"])) bad("rope_scaling['truncate'] must be True or False");
    s.truncate = d["truncate"].cast<bool>();
  }
  if (given("attention_factor")) s.attention_factor = number("attention_factor");
  if (given("low_freq_factor")) s.low_freq_factor = number("low_freq_factor");
  if (given("high_freq_factor")) s.high_freq_factor = number("high_freq_factor");
  if (given("short_factor")) s.short_factor = numbers("short_factor");
  if (given("long_factor")) s.long_factor = numbers("long_factor");
  return s;
}

RopeEmulation emulation_of(const py::handle& value) {
  if (!py::isinstance<py::dict>(value)) bad("emulate must be a dict or None, got " + shown(value));
  const py::dict d = py::reinterpret_borrow<py::dict>(value);
  check_keys(d, "emulate", {"inv_freq", "cos_sin"});
  RopeEmulation e;
  if (d.contains("inv_freq")) e.inv_freq = choice(d["inv_freq"], kInvFreq, "emulate['inv_freq']");
  if (d.contains("cos_sin")) e.cos_sin = choice(d["cos_sin"], kCosSin, "emulate['cos_sin']");
  return e;
}

// A NumPy array of `shape` and dtype T (or `dtype` when given) filled from `values` by `convert`.
template <class T, class F>
py::array numpy_array(const std::vector<std::size_t>& shape, const std::vector<double>& values, F convert,
                      const py::dtype& dtype = py::dtype::of<T>()) {
  py::array out(dtype, std::vector<py::ssize_t>(shape.begin(), shape.end()));
  T* data = static_cast<T*>(out.mutable_data());
  std::transform(values.begin(), values.end(), data, convert);
  return out;
}

py::array float64_array(const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  return numpy_array<double>(shape, values, [](double x) { return x; });
}
py::array float32_array(const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  return numpy_array<float>(shape, values, [](double x) { return static_cast<float>(x); });  // exact: binary32 values
}
// binary16 values (or NaN, stored as NumPy's float16 NaN 0x7e00) as a float16 array.
py::array float16_array(const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  return numpy_array<std::uint16_t>(
      shape, values, [](double x) { return std::isnan(x) ? std::uint16_t(0x7e00) : binary16_bits(x); },
      py::dtype("float16"));
}
// bfloat16 values (or NaN, stored as the quiet NaN 0x7fc0) as their bit patterns in a uint16 array.
py::array bfloat16_bits_array(const std::vector<std::size_t>& shape, const std::vector<double>& values) {
  return numpy_array<std::uint16_t>(
      shape, values, [](double x) { return std::isnan(x) ? std::uint16_t(0x7fc0) : bfloat16_bits(x); });
}

py::dict attention(const py::handle& q, const py::handle& k, const py::handle& v, const std::string& kind,
                   const std::string& pairing, const py::handle& rotary_dim, const py::handle& base,
                   std::int64_t q_offset, std::int64_t k_offset, bool causal, const py::handle& scale,
                   const std::string& angles, const py::handle& rope_scaling, const py::handle& emulate,
                   const py::handle& W, long max_prec, unsigned threads, const std::string& route) {
  Problem problem;
  problem.kind = choice(py::str(kind), kKinds, "kind");
  problem.mask = causal ? MaskKind::causal : MaskKind::none;
  problem.scale = scale_of(scale);
  problem.Q = matrix_of(q, "q");
  problem.K = matrix_of(k, "k");
  problem.V = matrix_of(v, "v");
  if (problem.kind == Kind::general) {
    if (W.is_none()) bad("kind 'general' needs W, shape (2n-1, d, d)");
    const bool rope_default = pairing == "half" && rotary_dim.is_none() && exact_double(base, "base") == 10000 &&
                              q_offset == 0 && k_offset == 0 && angles == "standard" && rope_scaling.is_none() &&
                              emulate.is_none();
    if (!rope_default)
      bad("kind 'general' takes no RoPE setting (pairing, rotary_dim, base, q_offset, k_offset, angles, "
          "rope_scaling, emulate); leave them at their defaults");
    problem.W = coupling_of(W);
  } else {
    if (!W.is_none()) bad("W applies only to kind 'general'");
    RopeParams& r = problem.rope;
    r.pairing = choice(py::str(pairing), kPairings, "pairing");
    r.angles = choice(py::str(angles), kAngles, "angles");
    r.base = exact_double(base, "base");
    if (r.angles == Angles::pythagorean && r.base != 10000) bad("base does not apply to angles 'pythagorean'");
    r.q_offset = q_offset;
    r.k_offset = k_offset;
    r.rotary_dim = rotary_dim.is_none() ? problem.d() : static_cast<std::size_t>(natural(rotary_dim, "rotary_dim"));
    if (!rope_scaling.is_none()) r.scaling = scaling_of(rope_scaling);
    if (!emulate.is_none()) r.emulate = emulation_of(emulate);
  }
  // Errors name the arrays by their argument; a setting by its name in the case format (rope.rotary_dim).
  try {
    validate_problem(problem, "attention()", {"q", "k", "v", "W", ""});
  } catch (const InputError& error) {
    bad(error.what());
  }
  EvalOptions options;
  if (max_prec < options.start_precision || max_prec > (1L << 20))
    bad("max_prec = " + std::to_string(max_prec) + " must be between " + std::to_string(options.start_precision) +
        " and 2^20");
  options.max_precision = max_prec;
  options.threads = threads;
  if (route == "fast") {
    options.route = EvalRoute::fast;
  } else if (route == "mpfi") {
    options.route = EvalRoute::mpfi;
  } else {
    bad("route = '" + route + "' must be \"fast\" or \"mpfi\"");
  }

  CertifiedOutput out;
  {
    py::gil_scoped_release release;
    out = evaluate_certified(problem, options);
  }
  std::vector<double> t64, t32, t16, tbf16, lo, hi;
  for (const EntryOutcome& e : out.entries) {
    t64.push_back(e.t64);
    t32.push_back(e.t32);
    t16.push_back(e.t16);
    tbf16.push_back(e.tbf16);
    lo.push_back(e.lo);
    hi.push_back(e.hi);
  }
  const std::vector<std::size_t> shape{out.rows, out.cols};
  py::dict result;
  result["T"] = float64_array(shape, t64);
  result["T_f32"] = float32_array(shape, t32);
  result["T_f16"] = float16_array(shape, t16);
  result["T_bf16"] = bfloat16_bits_array(shape, tbf16);
  result["lo"] = float64_array(shape, lo);
  result["hi"] = float64_array(shape, hi);
  result["undecided"] = out.undecided_count();
  result["fast_route_rows"] = out.fast.rows_decided;
  return result;
}

// A .npy file (read_npy) as a NumPy array of the dtype stored in the file.
py::array load_npy(const fs::path& path) {
  const NpyArray a = read_npy(path);
  switch (a.dtype) {
    case NpyDtype::float64:
      return float64_array(a.shape, a.values);
    case NpyDtype::float32:
      return float32_array(a.shape, a.values);
    case NpyDtype::float16:
      return float16_array(a.shape, a.values);
    case NpyDtype::uint16:
      return numpy_array<std::uint16_t>(a.shape, a.values, [](double x) { return static_cast<std::uint16_t>(x); });
  }
  throw std::logic_error("load_npy: unknown dtype");
}

// `file` parsed by Python's json module; ValueError naming the file otherwise.
py::object load_json(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) bad(file.string() + ": " + (fs::exists(file) ? "cannot open file for reading" : "missing file"));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return py::module_::import("json").attr("loads")(text.str());
  } catch (py::error_already_set& error) {
    if (!error.matches(PyExc_ValueError)) throw;
    bad(file.string() + ": malformed JSON: " + py::str(error.value()).cast<std::string>());
  }
}

py::list load_golden(const std::string& dir) {
  const auto suite = load_golden_suite(dir);  // checks the manifest and the SHA-256 of every file it lists
  py::list tests;
  for (const auto& test : suite.manifest.tests) {
    const fs::path case_dir = suite.dir / "cases" / test.tc_id;
    py::dict entry;
    entry["tcId"] = test.tc_id;
    entry["comment"] = test.comment;
    entry["flags"] = py::cast(test.flags);
    entry["group"] = test.group_id;
    entry["dtypes"] = py::cast(test.dtypes);
    entry["shape"] = py::make_tuple(test.rows, test.cols);
    entry["path"] = case_dir.string();
    entry["case"] = load_json(case_dir / "case.json");
    for (const char* name : {"Q", "K", "V"}) entry[name] = load_npy(case_dir / (std::string(name) + ".npy"));
    if (fs::exists(case_dir / "W.npy")) entry["W"] = load_npy(case_dir / "W.npy");
    for (const char* name : {"T", "T_f32", "T_f16", "T_bf16", "T_lo", "T_hi"})
      entry[name] = load_npy(case_dir / "expected" / (std::string(name) + ".npy"));
    tests.append(entry);
  }
  return tests;
}

const char* const module_doc = R"doc(Certified RoPE attention (ropecert).

attention() evaluates softmax attention with RoPE (or a general position coupling W) exactly:
a rigorous enclosure of every output entry and its correctly rounded float64, float32, float16
and bfloat16 values. load_golden() reads a golden suite written by `ropecert golden` into NumPy
arrays. Bad input raises ValueError with a one-line message.)doc";

const char* const attention_doc = R"doc(attention(q, k, v, *, kind="rope", pairing="half", rotary_dim=None, base=10000.0, q_offset=0, k_offset=0, causal=False, scale="inv_sqrt_d", angles="standard", rope_scaling=None, emulate=None, W=None, max_prec=4096, threads=0, route="fast") -> dict

Certified T = softmax(M) V, row-wise over the visible keys, with
  kind "rope":    M_ij = s (R_{a_i} q_i)^T (R_{b_j} k_j), a_i = q_offset + i, b_j = k_offset + j
  kind "general": M_ij = s q_i^T W[i - j + n - 1] k_j
(the semantics of the case format ropecert-case/1, README).

q (n_q, d), k (n_k, d), v (n_k, d_v): array-likes of float64, float32 or float16; every value is
  taken as the exact binary number it is (NaN and infinities are rejected).
pairing: "half" (HF rotate_half: planes (p, p + r/2)) or "interleaved" (GPT-J / Meta: (2p, 2p+1)).
rotary_dim: r, even, 2 <= r <= d; None means d. Dimensions r .. d-1 pass through.
base: RoPE base (theta_p = base^(-2p/r)), the exact float64 value; angles "standard" only.
angles: "standard" or "pythagorean" (rational rotations; base must stay at its default).
causal: keep key j for query i iff b_j <= a_i; a fully masked row is an error.
scale: "inv_sqrt_d" (1/sqrt(d)), "inv_d", a decimal string such as "0.125" (exact), or a Python
  number (its exact binary value: 0.1 is not 1/10, pass "0.1" for that).
rope_scaling: None or HF's rope_scaling dict: "rope_type" (or legacy "type"): "default",
  "linear", "dynamic", "yarn", "llama3" or "longrope", and the parameters "factor",
  "original_max_position_embeddings", "max_position_embeddings", "sequence_length" (HF's seq_len),
  "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate", "attention_factor",
  "low_freq_factor", "high_freq_factor", "short_factor", "long_factor" (proofs-notes/11-rope-scaling.md).
  A value None means the key is absent.
emulate: None or {"inv_freq": "exact" | "float32", "cos_sin": "exact" | "float32" | "bfloat16" |
  "float16"}: model a framework's rounding of inv_freq and of cos/sin (problem.hpp, RopeEmulation).
W: kind "general" only, shape (2n-1, d, d), n = n_q = n_k. The RoPE settings must stay at their
  defaults for kind "general".
max_prec: largest working precision in bits (64 .. 2^20); threads: worker threads, 0 = all cores.
  The results do not depend on threads. The GIL is released during the evaluation.
route: "fast" (the fast certified route, its undecided rows by the MPFI Ziv loop) or "mpfi" (the
  Ziv loop alone). Both give the same correctly rounded values; "lo" and "hi" differ by route.

Returns a dict of (n_q, d_v) arrays:
  "T"      float64, RN64(T_ij): the exact value rounded to nearest-even
  "T_f32"  float32, RN32(T_ij), rounded from the exact value (not from "T")
  "T_f16"  float16, RN16(T_ij)
  "T_bf16" uint16, the bit patterns of RN_bfloat16(T_ij)
  "lo", "hi" float64, a rigorous enclosure lo <= T_ij <= hi
and "undecided": the number of entries whose roundings max_prec did not decide; those entries are
NaN in "T", "T_f32", "T_f16" (0x7e00) and "T_bf16" (0x7fc0); "fast_route_rows": the number of rows
the fast route decided (0 with route="mpfi").
Raises ValueError on bad input, naming the argument ("attention(): k: shape (2, 6) but q has d = 4")
or the setting as the case format spells it ("attention(): rope.rotary_dim = 3 must be even ..."). pybind11
raises TypeError when kind, pairing, angles, q_offset, k_offset, causal, max_prec or threads is not
of its Python type (str, int, bool).)doc";

const char* const load_golden_doc = R"doc(load_golden(dir) -> list of dict

Reads the golden suite in directory `dir` (format "ropecert-golden/1", written by
`ropecert golden`): manifest.json, checked as `ropecert validate` checks it (structure, unique
tcIds, the SHA-256 of every file it lists), and every case it lists. Returns one dict per test,
in manifest order, with
  "tcId", "comment", "flags" (list of str), "group" (the groupId), "dtypes" (the group's dtypes,
  e.g. ["f64", "f32", "bf16", "f16"]), "shape" ((n_q, d_v)),
  "path" (the case directory cases/<tcId>), "case" (case.json parsed as a dict),
  "Q", "K", "V" (float64 arrays), "W" (kind general only),
  "T" (float64), "T_f32" (float32), "T_f16" (float16), "T_bf16" (uint16 bit patterns),
  "T_lo", "T_hi" (float64): the expected outputs of expected/, read with ropecert's .npy reader
  in the dtype stored in each file.
Raises ValueError naming the file on a missing, malformed or modified file.)doc";

}  // namespace
}  // namespace ropecert

PYBIND11_MODULE(ropecert, m) {
  using namespace pybind11::literals;
  py::options options;
  options.disable_function_signatures();  // the docstrings start with the Python signature
  m.doc() = ropecert::module_doc;
  m.attr("__version__") = ROPECERT_VERSION;
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const ropecert::InputError& input_error) {
      PyErr_SetString(PyExc_ValueError, input_error.what());
    }
  });
  m.def("attention", &ropecert::attention, ropecert::attention_doc, "q"_a, "k"_a, "v"_a, py::kw_only(),
        "kind"_a = "rope", "pairing"_a = "half", "rotary_dim"_a = py::none(), "base"_a = 10000.0, "q_offset"_a = 0,
        "k_offset"_a = 0, "causal"_a = false, "scale"_a = "inv_sqrt_d", "angles"_a = "standard",
        "rope_scaling"_a = py::none(), "emulate"_a = py::none(), "W"_a = py::none(), "max_prec"_a = 4096,
        "threads"_a = 0, "route"_a = "fast");
  m.def("load_golden", &ropecert::load_golden, ropecert::load_golden_doc, "dir"_a);
}
