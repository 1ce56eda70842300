// Golden suites: the suite definitions, the writer and the merge of shards (golden.hpp).
#include "ropecert/golden.hpp"

#include <cstdint>
#include <iomanip>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "ropecert/case_io.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/fast_run.hpp"
#include "ropecert/npy.hpp"
#include "ropecert/output_dir.hpp"
#include "ropecert/rounding.hpp"
#include "ropecert/sha256.hpp"

namespace ropecert {

namespace fs = std::filesystem;

namespace {

// The manifest's "generator": a merge accepts only shards of this very version.
const std::string golden_generator = std::string("ropecert ") + ROPECERT_VERSION;

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// Values m * magnitude / 256 with |m| <= 255: at most 8 significant bits, so bfloat16, binary16 (for
// 2^-6 <= magnitude <= 2^15), binary32 and binary64 all hold them exactly.
class CaseValues {
 public:
  explicit CaseValues(const std::string& tc_id) : rng_(fnv1a(tc_id)) {}
  double value(double magnitude) {
    const std::int64_t m = static_cast<std::int64_t>((rng_() >> 11) % 511) - 255;
    return static_cast<double>(m) * magnitude / 256;
  }
  Matrix matrix(std::size_t rows, std::size_t cols, double magnitude) {
    Matrix x(rows, cols);
    for (double& v : x.values) v = value(magnitude);
    return x;
  }

 private:
  std::mt19937_64 rng_;
};

// The settings of one kind-rope test: the common ones through the constructor, the rest by assignment.
struct RopeSpec {
  RopeSpec(std::size_t n_q_, std::size_t n_k_, std::size_t d_, std::size_t d_v_, Pairing pairing_ = Pairing::half,
           std::size_t rotary_dim_ = 0, double base_ = 10000, std::int64_t q_offset_ = 0, std::int64_t k_offset_ = 0,
           MaskKind mask_ = MaskKind::none)
      : n_q(n_q_), n_k(n_k_), d(d_), d_v(d_v_), pairing(pairing_), rotary_dim(rotary_dim_), base(base_),
        q_offset(q_offset_), k_offset(k_offset_), mask(mask_) {}
  std::size_t n_q, n_k, d, d_v;
  Pairing pairing;
  std::size_t rotary_dim;  // 0: d
  double base;
  std::int64_t q_offset, k_offset;
  MaskKind mask;
  double magnitude = 1;
  Scale scale;
  RopeScaling scaling;
  RopeEmulation emulate;
  Angles angles = Angles::standard;
};

Problem rope_problem(const std::string& tc_id, const RopeSpec& spec) {
  CaseValues values(tc_id);
  Problem p;
  p.kind = Kind::rope;
  p.scale = spec.scale;
  p.mask = spec.mask;
  p.rope.angles = spec.angles;
  p.rope.base = spec.base;
  p.rope.pairing = spec.pairing;
  p.rope.rotary_dim = spec.rotary_dim == 0 ? spec.d : spec.rotary_dim;
  p.rope.q_offset = spec.q_offset;
  p.rope.k_offset = spec.k_offset;
  p.rope.scaling = spec.scaling;
  p.rope.emulate = spec.emulate;
  p.Q = values.matrix(spec.n_q, spec.d, spec.magnitude);
  p.K = values.matrix(spec.n_k, spec.d, spec.magnitude);
  p.V = values.matrix(spec.n_k, spec.d_v, 1);
  return p;
}

Problem general_problem(const std::string& tc_id, std::size_t n, std::size_t d, MaskKind mask, double magnitude) {
  CaseValues values(tc_id);
  Problem p;
  p.kind = Kind::general;
  p.scale.rule = Scale::Rule::inv_d;
  p.mask = mask;
  p.Q = values.matrix(n, d, magnitude);
  p.K = values.matrix(n, d, magnitude);
  p.V = values.matrix(n, 2, 1);
  for (std::size_t k = 0; k < 2 * n - 1; ++k) p.W.push_back(values.matrix(d, d, 1));
  return p;
}

// Builds groups test by test, numbering the tcIds.
class SuiteBuilder {
 public:
  void group(const std::string& id, const std::string& comment) { groups_.push_back({id, comment, {}}); }
  std::string next_id() const {
    std::ostringstream id;
    id << groups_.back().id << '-' << std::setw(4) << std::setfill('0') << groups_.back().tests.size() + 1;
    return id.str();
  }
  void rope(const std::string& comment, std::vector<std::string> flags, const RopeSpec& spec, bool surrogate = false) {
    const std::string id = next_id();
    add(id, comment, std::move(flags), rope_problem(id, spec), surrogate);
  }
  void add(const std::string& id, const std::string& comment, std::vector<std::string> flags, Problem problem,
           bool surrogate = false) {
    validate_problem(problem, id);
    groups_.back().tests.push_back({id, comment, std::move(flags), std::move(problem), surrogate});
  }
  std::vector<SuiteGroup> take() { return std::move(groups_); }

 private:
  std::vector<SuiteGroup> groups_;
};

RopeScaling scaling_of(RopeScalingKind kind) {
  RopeScaling s;
  s.kind = kind;
  switch (kind) {
    case RopeScalingKind::linear:
      s.factor = 4;
      break;
    case RopeScalingKind::dynamic:
      s.factor = 2;
      s.max_position_embeddings = 2048;
      s.sequence_length = 4096;
      break;
    case RopeScalingKind::yarn:
      s.factor = 4;
      s.original_max_position_embeddings = 4096;
      break;
    case RopeScalingKind::llama3:
      s.factor = 8;
      s.original_max_position_embeddings = 8192;
      s.low_freq_factor = 1;
      s.high_freq_factor = 4;
      break;
    case RopeScalingKind::longrope:
      s.original_max_position_embeddings = 4096;
      s.max_position_embeddings = 16384;
      s.sequence_length = 8192;
      break;
    case RopeScalingKind::none:
      break;
  }
  return s;
}

void add_convention_groups(SuiteBuilder& b, bool smoke) {
  const std::size_t small = smoke ? 4 : 64, d = smoke ? 8 : 64;
  b.group("rope-half", "standard RoPE, half pairing (HF rotate_half), scale 1/sqrt(d), no mask");
  b.rope("n = 1: the output is V's row", {"rope", "half"}, {1, 1, 8, 4});
  b.rope("small", {"rope", "half"}, {7, 7, 8, 4});
  b.rope("causal", {"rope", "half", "causal"}, {small, small, d, 8, Pairing::half, 0, 10000, 0, 0, MaskKind::causal});

  b.group("rope-interleaved", "standard RoPE, interleaved pairing (Meta / GPT-J)");
  b.rope("small", {"rope", "interleaved"}, {7, 7, 8, 4, Pairing::interleaved});
  b.rope("causal", {"rope", "interleaved", "causal"},
         {small, small, d, 8, Pairing::interleaved, 0, 10000, 0, 0, MaskKind::causal});

  b.group("rotary-dim", "partial rotary: rotary_dim < d, the last d - rotary_dim dimensions pass through");
  b.rope("rotary_dim = d / 2, half", {"rope", "half", "rotary_dim"}, {8, 8, 16, 4, Pairing::half, 8});
  b.rope("rotary_dim = d / 4, interleaved", {"rope", "interleaved", "rotary_dim"}, {8, 8, 16, 4, Pairing::interleaved, 4});

  b.group("base", "other RoPE bases");
  b.rope("base 500000 (Llama 3)", {"rope", "base"}, {8, 8, 16, 4, Pairing::half, 0, 500000});
  b.rope("base 10", {"rope", "base"}, {8, 8, 8, 4, Pairing::half, 0, 10});

  b.group("offsets", "query and key offsets, positions up to 10^6");
  b.rope("q_offset = k_offset = 10^6", {"rope", "offset"}, {8, 8, 16, 4, Pairing::half, 0, 10000, 1000000, 1000000});
  b.rope("q_offset = k_offset + 5, causal, n_q < n_k", {"rope", "offset", "causal"},
         {4, 9, 16, 4, Pairing::half, 0, 10000, 1000005, 1000000, MaskKind::causal});
  b.rope("off by one between queries and keys", {"rope", "offset"}, {6, 6, 8, 4, Pairing::half, 0, 10000, 1, 0});

  b.group("decode", "decoding: one query at the last position, causal");
  b.rope("n_k = 17", {"rope", "decode", "causal"}, {1, 17, 8, 4, Pairing::half, 0, 10000, 16, 0, MaskKind::causal});
  if (!smoke)
    b.rope("n_k = 1000 at position 10^6", {"rope", "decode", "causal", "offset"},
           {1, 1000, 16, 4, Pairing::half, 0, 10000, 1000999, 1000000, MaskKind::causal});

  b.group("rectangular", "n_q != n_k without a mask");
  b.rope("n_q = 3, n_k = 11", {"rope", "rectangular"}, {3, 11, 8, 4});
  b.rope("n_q = 11, n_k = 3", {"rope", "rectangular"}, {11, 3, 8, 4});

  b.group("scale", "other softmax scales");
  RopeSpec inv_d{6, 6, 8, 4};
  inv_d.scale.rule = Scale::Rule::inv_d;
  b.rope("scale 1/d", {"rope", "scale"}, inv_d);
  RopeSpec decimal{6, 6, 8, 4};
  decimal.scale.rule = Scale::Rule::decimal;
  decimal.scale.decimal = "0.1";
  b.rope("scale 0.1 (a decimal, not a binary number)", {"rope", "scale"}, decimal);

  const std::pair<RopeScalingKind, const char*> scalings[] = {{RopeScalingKind::linear, "linear"},
                                                               {RopeScalingKind::dynamic, "dynamic"},
                                                               {RopeScalingKind::yarn, "yarn"},
                                                               {RopeScalingKind::llama3, "llama3"},
                                                               {RopeScalingKind::longrope, "longrope"}};
  for (const auto& [kind, name] : scalings) {
    if (smoke && kind != RopeScalingKind::yarn) continue;
    b.group(std::string("scaling-") + name, std::string("HF rope_scaling rope_type \"") + name +
                                                "\" (proofs-notes/11-rope-scaling.md), positions past the "
                                                "original context");
    RopeSpec spec{8, 8, 16, 4, Pairing::half, 0, 10000, 5000, 5000};
    if (kind == RopeScalingKind::llama3) spec.base = 500000;
    spec.scaling = scaling_of(kind);
    if (kind == RopeScalingKind::longrope)
      for (std::size_t p = 0; p < spec.d / 2; ++p) {
        spec.scaling.short_factor.push_back(1 + 0.125 * double(p));
        spec.scaling.long_factor.push_back(1 + 0.5 * double(p));
      }
    b.rope(std::string(name) + " scaling", {"rope", std::string("scaling:") + name}, spec);
    if (kind == RopeScalingKind::yarn && !smoke) {
      spec.scaling.mscale = 1;
      spec.scaling.mscale_all_dim = 0.5;
      b.rope("yarn with mscale 1, mscale_all_dim 0.5 (DeepSeek style attention factor)",
             {"rope", "scaling:yarn", "attention_factor"}, spec);
    }
  }

  b.group("emulate", "what a framework computes: inv_freq in float32, cos/sin rounded before use");
  if (!smoke) {
    RopeSpec inv_freq{8, 8, 64, 4, Pairing::half, 0, 10000, 1000000, 1000000};
    inv_freq.emulate.inv_freq = InvFreqEmulation::float32;
    b.rope("inv_freq computed in float32 (HF), positions 10^6", {"rope", "emulate:inv_freq=float32", "offset"}, inv_freq);
  }
  const std::pair<CosSinEmulation, const char*> formats[] = {
      {CosSinEmulation::float32, "float32"}, {CosSinEmulation::bfloat16, "bfloat16"}, {CosSinEmulation::float16, "float16"}};
  for (const auto& [format, name] : formats) {
    if (smoke && format != CosSinEmulation::bfloat16) continue;
    RopeSpec spec{8, 8, 16, 4, Pairing::half, 0, 10000, 10000, 10000};
    spec.emulate.cos_sin = format;
    b.rope(std::string("cos and sin rounded to ") + name, {"rope", std::string("emulate:cos_sin=") + name, "offset"},
           spec);
  }
}

void add_value_groups(SuiteBuilder& b, bool smoke) {
  b.group("near-one-hot", "large logits: rows close to one-hot, exp underflows in float32 kernels without care");
  RopeSpec peaked{8, 8, 8, 4};
  peaked.magnitude = 16;
  b.rope("entries up to 16, logits up to about 700", {"rope", "near-one-hot"}, peaked);

  b.group("equal-logits", "exactly equal logits: exact means, binary64 ties included");
  {
    std::string id = b.next_id();
    Problem zero_q = rope_problem(id, {5, 5, 8, 4});
    for (double& x : zero_q.Q.values) x = 0;
    b.add(id, "Q = 0: every row is the mean of the visible V rows", {"rope", "equal-logits"}, std::move(zero_q));
    id = b.next_id();
    Problem causal = rope_problem(id, {6, 6, 8, 4, Pairing::half, 0, 10000, 0, 0, MaskKind::causal});
    for (double& x : causal.K.values) x = 0;
    b.add(id, "K = 0, causal: prefix means", {"rope", "equal-logits", "causal"}, std::move(causal));
  }

  b.group("boundary-B", "every entry of Q and K at +-B (B = 2): the paper's bound on the entries is attained");
  {
    const std::string id = b.next_id();
    Problem p = rope_problem(id, {smoke ? std::size_t(4) : std::size_t(64), smoke ? std::size_t(4) : std::size_t(64), 16, 4});
    for (Matrix* m : {&p.Q, &p.K})
      for (double& x : m->values) x = x < 0 ? -2 : 2;
    b.add(id, "entries +-2, d = 16", {"rope", "boundary-B"}, std::move(p));
  }

  b.group("general", "kind general: a position coupling W_{i-j} per offset (no rotation structure)");
  std::string id = b.next_id();
  b.add(id, "n = 3, d = 2", {"general"}, general_problem(id, 3, 2, MaskKind::none, 1));
  if (!smoke) {
    id = b.next_id();
    b.add(id, "n = 16, d = 4, causal", {"general", "causal"}, general_problem(id, 16, 4, MaskKind::causal, 1));
  }

  b.group("surrogate", "cases inside the paper's regime with the exact surrogate of the fast algorithm at stated (g, R)");
  id = b.next_id();
  b.add(id, "kind general, n = 4, d = 2, eps 1e-3", {"general", "surrogate"},
        general_problem(id, 4, 2, MaskKind::causal, 0.5), true);
  if (!smoke) {
    RopeSpec pythagorean{16, 16, 4, 2, Pairing::half, 0, 10000, 3, 0, MaskKind::causal};
    pythagorean.angles = Angles::pythagorean;
    pythagorean.magnitude = 0.5;
    b.rope("rope with pythagorean angles (rational rotations), n = 16, d = 4, eps 1e-3",
           {"rope", "pythagorean", "surrogate", "causal"}, pythagorean, true);
  }

  if (smoke) return;
  b.group("large-n", "longer sequences");
  b.rope("n = 1024, causal, d = 16", {"rope", "causal", "large-n"},
         {1024, 1024, 16, 4, Pairing::half, 0, 10000, 0, 0, MaskKind::causal});
  b.rope("n = 512, d = 128 (Llama head size), causal, base 500000", {"rope", "causal", "large-n", "base"},
         {512, 512, 128, 8, Pairing::half, 0, 500000, 0, 0, MaskKind::causal});
  b.rope("n = 4096, d = d_v = 128, causal: one head at a short modern context", {"rope", "causal", "large-n"},
         {4096, 4096, 128, 128, Pairing::half, 0, 10000, 0, 0, MaskKind::causal});
}

// The surrogate's eps, fixed for the suite.
const char* const surrogate_eps = "1/1000";

// Writes one test's files into `dir` (empty) and returns its files: path -> SHA-256.
std::map<std::string, std::string> write_test(const SuiteTest& test, const fs::path& dir, const EvalOptions& options) {
  save_case(test.problem, dir);
  write_npy_float32(dir / "Q_f32.npy", {test.problem.Q.rows, test.problem.Q.cols}, test.problem.Q.values);
  write_npy_float32(dir / "K_f32.npy", {test.problem.K.rows, test.problem.K.cols}, test.problem.K.values);
  write_npy_float32(dir / "V_f32.npy", {test.problem.V.rows, test.problem.V.cols}, test.problem.V.values);
  const CertifiedOutput out = evaluate_certified(test.problem, options);
  if (out.undecided_count() != 0)
    throw std::runtime_error("golden: " + test.tc_id + " has undecided entries at --max-prec; raise it");
  const std::vector<std::size_t> shape{out.rows, out.cols};
  std::vector<double> t64, t32, t16, lo, hi;
  std::vector<std::uint16_t> bf16;
  for (const EntryOutcome& e : out.entries) {
    t64.push_back(e.t64);
    t32.push_back(e.t32);
    t16.push_back(e.t16);
    bf16.push_back(bfloat16_bits(e.tbf16));
    lo.push_back(e.lo);
    hi.push_back(e.hi);
  }
  fs::create_directory(dir / "expected");
  write_npy_float64(dir / "expected" / "T.npy", shape, t64);
  write_npy_float32(dir / "expected" / "T_f32.npy", shape, t32);
  write_npy_float16(dir / "expected" / "T_f16.npy", shape, t16);
  write_npy_uint16(dir / "expected" / "T_bf16.npy", shape, bf16);
  write_npy_float64(dir / "expected" / "T_lo.npy", shape, lo);
  write_npy_float64(dir / "expected" / "T_hi.npy", shape, hi);
  if (test.surrogate) {
    const FastRoute route = test.problem.kind == Kind::rope ? FastRoute::lowrank : FastRoute::toeplitz;
    const FastPlan plan = plan_fast(test.problem, Rational(surrogate_eps), route, FastArithmetic::exact, Integer(1) << 20);
    const RationalMatrix t = run_fast_exact(test.problem, plan, route);
    std::vector<double> rounded;
    for (const Rational& x : t.values) rounded.push_back(round_rational(x.backend().data(), binary64, RoundingMode::nearest_even));
    write_npy_float64(dir / "expected" / "surrogate_T.npy", shape, rounded);
    const nlohmann::json surrogate{{"polynomial", "P(x) = sum_{t=0}^{g} (x + R)^t / t!, A~_ij = P(M_ij) on visible keys"},
                                   {"g", plan.g},
                                   {"R", plan.R.str()},
                                   {"scale", plan.scale->str()},
                                   {"eps", surrogate_eps},
                                   {"bound_on_distance_to_T", round_rational(plan.bound.backend().data(), binary64, RoundingMode::up)},
                                   {"values", "surrogate_T.npy is RN64 of the exact surrogate T~"}};
    write_text_file(dir / "expected" / "surrogate.json", surrogate.dump(2) + "\n");
  }
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).generic_string()] = sha256_file_hex(entry.path());
  return files;
}

// The manifest of `shard` of `suite`: the groups and tests of the suite definition, in its order, with
// the files of the tests in `files` (tcId -> path -> SHA-256) only.
GoldenManifest suite_manifest(GoldenSuiteKind suite, GoldenShard shard, const std::vector<SuiteGroup>& groups,
                              const std::map<std::string, std::map<std::string, std::string>>& files) {
  GoldenManifest manifest;
  manifest.generator = golden_generator;
  manifest.suite = golden_suite_name(suite);
  manifest.shard = shard;
  manifest.notes =
      "Inputs: case.json + float64 .npy (the values are bfloat16 numbers, so *_f32.npy and any dtype hold them "
      "exactly). expected/: T.npy, T_f32.npy, T_f16.npy ('<f2') are RN64, RN32, RN16 of the exact output; "
      "T_bf16.npy holds the bfloat16 bit patterns of RN_bf16(T) as uint16 ('<u2'); T_lo.npy <= T <= T_hi.npy "
      "is a rigorous enclosure; surrogate_T.npy (flag surrogate) is RN64 of the fast algorithm's exact "
      "surrogate at the (g, R) of surrogate.json. files: SHA-256 of every file, paths relative to "
      "cases/<tcId>/.";
  for (const SuiteGroup& group : groups) {
    manifest.groups.push_back({group.id, group.comment, {"f64", "f32", "bf16", "f16"}});
    for (const SuiteTest& test : group.tests)
      if (const auto it = files.find(test.tc_id); it != files.end())
        manifest.tests.push_back({test.tc_id, group.id, test.comment, test.flags, manifest.groups.back().dtypes,
                                  test.problem.n_q(), test.problem.d_v(), it->second});
  }
  return manifest;
}

}  // namespace

const char* golden_suite_name(GoldenSuiteKind suite) {
  return suite == GoldenSuiteKind::smoke ? "smoke" : suite == GoldenSuiteKind::stress ? "stress" : "default";
}

std::optional<GoldenSuiteKind> parse_golden_suite_kind(const std::string& name) {
  for (GoldenSuiteKind suite : {GoldenSuiteKind::smoke, GoldenSuiteKind::default_suite, GoldenSuiteKind::stress})
    if (name == golden_suite_name(suite)) return suite;
  return std::nullopt;
}

std::vector<SuiteGroup> golden_suite(GoldenSuiteKind suite) {
  SuiteBuilder builder;
  const bool smoke = suite == GoldenSuiteKind::smoke;
  add_convention_groups(builder, smoke);
  add_value_groups(builder, smoke);
  if (suite == GoldenSuiteKind::stress) {
    builder.group("stress", "n >= 8192");
    builder.rope("n = 8192, causal, d = 8", {"rope", "causal", "large-n"},
                 {8192, 8192, 8, 2, Pairing::half, 0, 10000, 0, 0, MaskKind::causal});
    builder.rope("n = 32768, d = d_v = 128, causal", {"rope", "causal", "large-n"},
                 {32768, 32768, 128, 128, Pairing::half, 0, 10000, 0, 0, MaskKind::causal});
  }
  return builder.take();
}

void write_golden(const fs::path& out, GoldenSuiteKind suite, GoldenShard shard, bool replace, const EvalOptions& options,
                  const std::function<void(std::size_t, std::size_t, const std::string&)>& progress) {
  if (shard.count == 0 || shard.index >= shard.count) throw InputError("--shard: expected I/N with 0 <= I < N");
  const std::vector<SuiteGroup> groups = golden_suite(suite);
  std::vector<const SuiteTest*> mine;
  std::size_t k = 0;
  for (const SuiteGroup& group : groups)
    for (const SuiteTest& test : group.tests)
      if (k++ % shard.count == shard.index) mine.push_back(&test);
  AtomicOutputDir dir(out, replace);
  fs::create_directory(dir.staging() / "cases");
  std::map<std::string, std::map<std::string, std::string>> files;
  for (std::size_t t = 0; t < mine.size(); ++t) {
    const fs::path case_dir = dir.staging() / "cases" / mine[t]->tc_id;
    fs::create_directory(case_dir);
    files[mine[t]->tc_id] = write_test(*mine[t], case_dir, options);
    if (progress) progress(t + 1, mine.size(), mine[t]->tc_id);
  }
  write_text_file(dir.staging() / "manifest.json", golden_manifest_text(suite_manifest(suite, shard, groups, files)));
  dir.commit();
}

void merge_golden(const fs::path& out, const std::vector<fs::path>& shards, bool replace) {
  if (shards.empty()) throw InputError("golden merge: no shard directories given");
  std::optional<GoldenManifest> first;
  std::set<std::size_t> seen;
  std::map<std::string, std::map<std::string, std::string>> files;  // tcId -> path -> SHA-256
  std::map<std::string, fs::path> source;                           // tcId -> the shard's case directory
  for (const fs::path& shard : shards) {
    const fs::path manifest_path = shard / "manifest.json";
    const auto refuse = [&](const std::string& problem) { throw InputError(manifest_path.string() + ": " + problem); };
    const GoldenManifest manifest = read_golden_manifest(manifest_path);
    if (manifest.generator != golden_generator) refuse("written by another generator version");
    if (!parse_golden_suite_kind(manifest.suite))
      refuse("unknown suite \"" + manifest.suite + "\" (smoke, default, stress)");
    if (!manifest.shard) refuse("missing \"shard\" (not written by ropecert golden)");
    if (!first) first = manifest;
    if (manifest.suite != first->suite || manifest.shard->count != first->shard->count)
      refuse("suite or shard count differs from the first shard");
    if (!seen.insert(manifest.shard->index).second)
      refuse("shard " + std::to_string(manifest.shard->index) + " given twice");
    for (const GoldenTest& test : manifest.tests) {
      if (!files.emplace(test.tc_id, test.files).second) refuse("test " + test.tc_id + " is also in another shard");
      source[test.tc_id] = shard / "cases" / test.tc_id;
    }
  }
  if (seen.size() != first->shard->count)
    throw InputError("golden merge: " + std::to_string(seen.size()) + " of " + std::to_string(first->shard->count) +
                     " shards given");
  const GoldenSuiteKind which = *parse_golden_suite_kind(first->suite);
  const std::vector<SuiteGroup> groups = golden_suite(which);
  std::set<std::string> expected;
  for (const SuiteGroup& group : groups)
    for (const SuiteTest& test : group.tests) expected.insert(test.tc_id);
  for (const auto& [id, listed] : files)
    if (!expected.count(id)) throw InputError("golden merge: test " + id + " is not in the " + first->suite + " suite");
  if (files.size() != expected.size())
    throw InputError("golden merge: the shards hold " + std::to_string(files.size()) + " of the suite's " +
                     std::to_string(expected.size()) + " tests");
  AtomicOutputDir dir(out, replace);
  fs::create_directory(dir.staging() / "cases");
  // Only the listed files are copied, each checked against its SHA-256 in the bytes that are written.
  for (const auto& [id, listed] : files)
    for (const auto& [relative, hash] : listed) {
      const fs::path to = dir.staging() / "cases" / id / relative;
      const std::string bytes = read_verified_file(source[id] / relative, hash);
      fs::create_directories(to.parent_path());
      write_text_file(to, bytes);
    }
  write_text_file(dir.staging() / "manifest.json",
                  golden_manifest_text(suite_manifest(which, GoldenShard{0, 1}, groups, files)));
  dir.commit();
}

}  // namespace ropecert
