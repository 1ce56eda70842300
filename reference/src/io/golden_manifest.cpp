// The golden manifest (golden_manifest.hpp): the strict reader, the writer, and the hash checks.
#include "ropecert/golden_manifest.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ropecert/errors.hpp"
#include "ropecert/output_dir.hpp"
#include "ropecert/sha256.hpp"

namespace ropecert {

const char* const golden_format = "ropecert-golden/1";

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* const all_dtypes[] = {"f64", "f32", "bf16", "f16"};

// Field access on the manifest with errors "<manifest>: <json path>: <problem>".
class ManifestReader {
 public:
  explicit ManifestReader(fs::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
    throw InputError(file_.string() + ": " + (where.empty() ? "" : where + ": ") + problem);
  }

  const json& field(const json& object, const std::string& where, const std::string& key) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(where, "missing \"" + key + "\"");
    return *it;
  }

  std::string text(const json& object, const std::string& where, const std::string& key, bool required) const {
    if (!required && !object.contains(key)) return "";
    const json& value = field(object, where, key);
    if (!value.is_string()) fail(join(where, key), "expected a string, got " + std::string(value.type_name()));
    return value.get<std::string>();
  }

  const json& array(const json& object, const std::string& where, const std::string& key) const {
    const json& value = field(object, where, key);
    if (!value.is_array()) fail(join(where, key), "expected an array, got " + std::string(value.type_name()));
    return value;
  }

  std::size_t count(const json& value, const std::string& where) const {
    if (!value.is_number_unsigned()) fail(where, "expected a non-negative integer, got " + value.dump());
    return value.get<std::size_t>();
  }

  std::vector<std::string> strings(const json& object, const std::string& where, const std::string& key) const {
    std::vector<std::string> out;
    if (!object.contains(key)) return out;
    const json& values = array(object, where, key);
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (!values[k].is_string())
        fail(join(where, key) + "[" + std::to_string(k) + "]", "expected a string, got " + values[k].dump());
      out.push_back(values[k].get<std::string>());
    }
    return out;
  }

  static std::string join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  fs::path file_;
};

bool valid_tc_id(const std::string& id) {
  if (id.empty() || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

// A relative path inside the case directory: no root, no "..", no empty components, no backslash.
bool valid_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/' || path.find('\\') != std::string::npos) return false;
  std::stringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

bool valid_hash(const std::string& hash) {
  return hash.size() == 64 &&
         std::all_of(hash.begin(), hash.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

GoldenTest read_test(const ManifestReader& reader, const json& value, const std::string& where) {
  if (!value.is_object()) reader.fail(where, "expected an object, got " + std::string(value.type_name()));
  GoldenTest test;
  test.tc_id = reader.text(value, where, "tcId", true);
  if (!valid_tc_id(test.tc_id))
    reader.fail(where + ".tcId", "\"" + test.tc_id + "\" is not a valid test id (letters, digits, '.', '_', '-')");
  test.comment = reader.text(value, where, "comment", false);
  test.flags = reader.strings(value, where, "flags");
  const json& shape = reader.array(value, where, "shape");
  if (shape.size() != 2) reader.fail(where + ".shape", "expected [n_q, d_v], got " + shape.dump());
  test.rows = reader.count(shape[0], where + ".shape[0]");
  test.cols = reader.count(shape[1], where + ".shape[1]");
  const json& files = reader.field(value, where, "files");
  if (!files.is_object()) reader.fail(where + ".files", "expected an object, got " + std::string(files.type_name()));
  for (const auto& item : files.items()) {
    const std::string at = where + ".files[\"" + item.key() + "\"]";
    if (!valid_relative_path(item.key())) reader.fail(at, "expected a relative path inside cases/<tcId>/");
    if (!item.value().is_string() || !valid_hash(item.value().get<std::string>()))
      reader.fail(at, "expected a SHA-256 of 64 lowercase hex digits, got " + item.value().dump());
    test.files[item.key()] = item.value().get<std::string>();
  }
  return test;
}

}  // namespace

GoldenManifest read_golden_manifest(const fs::path& file) {
  const ManifestReader reader(file);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) reader.fail("", "cannot read (is " + file.parent_path().string() + " a golden suite?)");
  json doc;
  try {
    doc = json::parse(read_text_file(file));
  } catch (const json::exception& error) {
    std::string what = error.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    reader.fail("", "malformed JSON: " + what);
  }
  if (!doc.is_object()) reader.fail("", "the top level must be a JSON object");
  const std::string format = reader.text(doc, "", "format", true);
  if (format != golden_format)
    reader.fail("format", "\"" + format + "\" is not supported; expected \"" + golden_format + "\"");

  GoldenManifest manifest;
  manifest.generator = reader.text(doc, "", "generator", false);
  manifest.suite = reader.text(doc, "", "suite", false);
  manifest.notes = reader.text(doc, "", "notes", false);
  if (doc.contains("shard")) {
    const json& shard = doc["shard"];
    if (!shard.is_object()) reader.fail("shard", "expected an object {\"index\", \"count\"}");
    GoldenShard read;
    read.index = reader.count(reader.field(shard, "shard", "index"), "shard.index");
    read.count = reader.count(reader.field(shard, "shard", "count"), "shard.count");
    if (read.index >= read.count) reader.fail("shard", "index must be less than count");
    manifest.shard = read;
  }
  const json& groups = reader.array(doc, "", "testGroups");
  std::map<std::string, std::string> seen, seen_groups;  // tcId, groupId -> where
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string where = "testGroups[" + std::to_string(g) + "]";
    const json& value = groups[g];
    if (!value.is_object()) reader.fail(where, "expected an object");
    GoldenGroup group;
    group.group_id = reader.text(value, where, "groupId", true);
    const auto [previous_group, new_group] = seen_groups.emplace(group.group_id, where);
    if (!new_group) reader.fail(where + ".groupId", "\"" + group.group_id + "\" duplicates " + previous_group->second);
    group.comment = reader.text(value, where, "comment", false);
    group.dtypes = reader.strings(value, where, "dtypes");
    for (const std::string& name : group.dtypes)
      if (std::find(std::begin(all_dtypes), std::end(all_dtypes), name) == std::end(all_dtypes))
        reader.fail(where + ".dtypes", "unknown dtype \"" + name + "\" (f64, f32, bf16, f16)");
    if (!value.contains("dtypes")) group.dtypes.assign(std::begin(all_dtypes), std::end(all_dtypes));
    const json& tests = reader.array(value, where, "tests");
    for (std::size_t t = 0; t < tests.size(); ++t) {
      const std::string at = where + ".tests[" + std::to_string(t) + "]";
      GoldenTest test = read_test(reader, tests[t], at);
      test.group_id = group.group_id;
      test.dtypes = group.dtypes;
      const auto [previous, inserted] = seen.emplace(test.tc_id, at);
      if (!inserted) reader.fail(at + ".tcId", "\"" + test.tc_id + "\" duplicates " + previous->second);
      manifest.tests.push_back(std::move(test));
    }
    manifest.groups.push_back(std::move(group));
  }
  if (doc.contains("numberOfTests")) {
    const std::size_t declared = reader.count(doc["numberOfTests"], "numberOfTests");
    if (declared != manifest.tests.size())
      reader.fail("numberOfTests",
                  std::to_string(declared) + " declared, " + std::to_string(manifest.tests.size()) + " tests listed");
  }
  return manifest;
}

std::string golden_manifest_text(const GoldenManifest& manifest) {
  json test_groups = json::array();
  for (const GoldenGroup& group : manifest.groups) {
    json entries = json::array();
    for (const GoldenTest& test : manifest.tests)
      if (test.group_id == group.group_id)
        entries.push_back({{"tcId", test.tc_id},
                           {"comment", test.comment},
                           {"flags", test.flags},
                           {"shape", {test.rows, test.cols}},
                           {"files", test.files}});
    if (entries.empty()) continue;
    test_groups.push_back(
        {{"groupId", group.group_id}, {"comment", group.comment}, {"dtypes", group.dtypes}, {"tests", entries}});
  }
  json doc{{"format", golden_format},
           {"generator", manifest.generator},
           {"suite", manifest.suite},
           {"numberOfTests", manifest.tests.size()},
           {"notes", manifest.notes},
           {"testGroups", test_groups}};
  if (manifest.shard) doc["shard"] = {{"index", manifest.shard->index}, {"count", manifest.shard->count}};
  return doc.dump(2) + "\n";
}

std::string read_verified_file(const fs::path& path, const std::string& expected_hex) {
  std::string bytes = read_text_file(path);
  const std::string actual = sha256_hex(bytes);
  if (actual != expected_hex)
    throw InputError(path.string() + ": SHA-256 mismatch (manifest " + expected_hex + ", file " + actual +
                     "); the golden suite was modified or corrupted");
  return bytes;
}

GoldenSuite load_golden_suite(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir.string() + ": not a directory (expected a golden suite)");
  GoldenSuite suite{dir, read_golden_manifest(dir / "manifest.json")};
  for (const GoldenTest& test : suite.manifest.tests)
    for (const auto& [relative, expected] : test.files) read_verified_file(dir / "cases" / test.tc_id / relative, expected);
  return suite;
}

}  // namespace ropecert
