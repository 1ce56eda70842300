// Golden vector suites (format "ropecert-golden/1"): deterministic cases covering the conventions of
// real models, each with its certified expected outputs, for other implementations to load.
//
// Layout of a suite directory DIR:
//   DIR/manifest.json                                          golden_manifest.hpp
//   DIR/cases/<tcId>/case.json, Q.npy, K.npy, V.npy, [W.npy]   the case (case_io.hpp), float64
//   DIR/cases/<tcId>/Q_f32.npy, K_f32.npy, V_f32.npy            the same values in float32
//   DIR/cases/<tcId>/expected/T.npy, T_f32.npy, T_f16.npy (binary16, '<f2'), T_bf16.npy (bfloat16 bit
//       patterns as '<u2'), T_lo.npy, T_hi.npy                  correctly rounded outputs and the enclosure
//   DIR/cases/<tcId>/expected/surrogate_T.npy, surrogate.json   (flag "surrogate") RN64 of the exact
//       surrogate T~ of the fast algorithm at the stated (g, R)
// Every input value is a bfloat16 number (at most 8 significant bits, within bfloat16's and binary16's
// normal range), so kernels in every dtype see the same numbers.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ropecert/certified_eval.hpp"
#include "ropecert/golden_manifest.hpp"
#include "ropecert/problem.hpp"

namespace ropecert {

enum class GoldenSuiteKind { smoke, default_suite, stress };

// "smoke", "default", "stress": the manifest's "suite" and the --suite value.
const char* golden_suite_name(GoldenSuiteKind suite);

// The suite named `name` (golden_suite_name), std::nullopt for any other string.
std::optional<GoldenSuiteKind> parse_golden_suite_kind(const std::string& name);

struct SuiteTest {
  std::string tc_id;  // "<groupId>-<4 digits>", unique in the suite
  std::string comment;
  std::vector<std::string> flags;
  Problem problem;
  bool surrogate = false;  // also write the exact surrogate of the fast algorithm (exact view required)
};

struct SuiteGroup {
  std::string id;
  std::string comment;
  std::vector<SuiteTest> tests;
};

// The suite's groups and tests, in their fixed order; the same on every platform (values from
// std::mt19937_64 seeded by a hash of the tcId). smoke: n <= 8, for tests; default: every convention,
// n up to 1024; stress: default plus n >= 8192.
std::vector<SuiteGroup> golden_suite(GoldenSuiteKind suite);

// Writes the shard of the suite (GoldenShard: shards are disjoint and together are the suite) into `out` (created atomically, refused if it exists and is not empty
// unless `replace`). Every expected output is decided (the generator stops with an error otherwise).
// `progress(done, total, tcId)` is called after each case. Same arguments, byte-identical files.
void write_golden(const std::filesystem::path& out, GoldenSuiteKind suite, GoldenShard shard, bool replace,
                  const EvalOptions& options, const std::function<void(std::size_t, std::size_t, const std::string&)>& progress);

// Merges shard directories written by write_golden (same suite and generator, shard indices 0 .. N-1
// each exactly once) into `out` (atomically): the result is byte-identical to the unsharded suite.
// Only the files a shard's manifest lists are copied, each checked against its SHA-256.
// Throws InputError, one line naming the shard's manifest or file and the problem (a missing "shard",
// an unknown suite, a SHA-256 mismatch, ...), otherwise; nothing is written then.
void merge_golden(const std::filesystem::path& out, const std::vector<std::filesystem::path>& shards, bool replace);

}  // namespace ropecert
