// The manifest of a golden suite (format "ropecert-golden/1"), read and written here only: by the
// generator and the merge of shards (golden.hpp), by the validator (validate.hpp) and by Python's
// load_golden. The layout of a suite directory is described in golden.hpp; manifest.json is
//   {"format": "ropecert-golden/1", "generator": "ropecert <version>", "suite": S,
//    "shard": {"index": I, "count": N}, "numberOfTests": k, "notes": "...",
//    "testGroups": [{"groupId", "comment", "dtypes": ["f64", "f32", "bf16", "f16"],
//                    "tests": [{"tcId", "comment", "flags": [...], "shape": [n_q, d_v],
//                               "files": {"<path relative to cases/<tcId>/>": "<sha256 hex>", ...}}]}]}
#pragma once
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ropecert {

// "ropecert-golden/1".
extern const char* const golden_format;

// The shard `index` of `count` of a suite: the k-th test (counting across groups) belongs to shard
// k mod count.
struct GoldenShard {
  std::size_t index = 0;
  std::size_t count = 1;
};

// A test of the suite.
struct GoldenTest {
  std::string tc_id;                         // also the directory cases/<tcId>/ and the candidate file <tcId>.npy
  std::string group_id;                      // the testGroups[].groupId it belongs to
  std::string comment;                       // "" when absent
  std::vector<std::string> flags;            // e.g. {"causal", "interleaved"}
  std::vector<std::string> dtypes;           // the group's dtypes (all four when the group lists none)
  std::size_t rows = 0, cols = 0;            // "shape": [n_q, d_v]
  std::map<std::string, std::string> files;  // path relative to cases/<tcId>/ -> SHA-256 hex
};

struct GoldenGroup {
  std::string group_id, comment;
  std::vector<std::string> dtypes;  // the four dtypes when the manifest lists none
};

struct GoldenManifest {
  std::string generator, suite, notes;  // "" when absent
  std::optional<GoldenShard> shard;     // absent: the manifest has no "shard"
  std::vector<GoldenGroup> groups;      // in manifest order
  std::vector<GoldenTest> tests;        // in manifest order; each names its group
};

// Reads and checks `file`: "format" is "ropecert-golden/1"; "generator", "suite", "notes" are strings
// when present; "shard", when present, is {"index": I, "count": N} with integers 0 <= I < N;
// testGroups is an array of groups with a string groupId, optional "comment", optional "dtypes" (a
// subset of f64, f32, bf16, f16) and an array "tests"; each test has a tcId made of [A-Za-z0-9._-] not
// starting with '.', unique in the suite, optional string "comment", optional array of strings
// "flags", "shape" [n_q, d_v] of non-negative integers, and "files", an object mapping relative paths
// (no "..", not absolute) to 64 lowercase hex digits; "numberOfTests", when present, equals the number
// of tests. Files are not opened. Errors: InputError, one line "<file>: <problem>" (malformed JSON, a
// missing or mistyped field, named with its JSON path, e.g. "testGroups[0].tests[2].shape").
GoldenManifest read_golden_manifest(const std::filesystem::path& file);

// The text of manifest.json for `manifest` (JSON, keys sorted, indented by 2, a final newline; groups
// without tests are left out; "shard" only when present). Same manifest, same bytes; read_golden_manifest
// of the text gives `manifest` back (with "comment" "" for absent comments).
std::string golden_manifest_text(const GoldenManifest& manifest);

// The bytes of `path` if their SHA-256 is `expected_hex`. Errors: InputError "<path>: cannot read", or
// "<path>: SHA-256 mismatch (manifest <hex>, file <hex>); the golden suite was modified or corrupted".
std::string read_verified_file(const std::filesystem::path& path, const std::string& expected_hex);

// A manifest read from DIR/manifest.json whose listed files DIR/cases/<tcId>/<path> all have their SHA-256.
struct GoldenSuite {
  std::filesystem::path dir;
  GoldenManifest manifest;
};

// Reads DIR/manifest.json (read_golden_manifest) and verifies every listed file (read_verified_file).
// Errors: InputError "<DIR>: not a directory ...", "<DIR>/manifest.json: cannot read ...", or those of
// read_golden_manifest and read_verified_file.
GoldenSuite load_golden_suite(const std::filesystem::path& dir);

}  // namespace ropecert
