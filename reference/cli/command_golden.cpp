// `ropecert golden`: write a golden vector suite (golden.hpp), or merge shards of one.
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "ropecert/errors.hpp"
#include "ropecert/golden.hpp"

namespace ropecert::cli {

namespace {

const std::string golden_help =
    "Usage: ropecert golden --out DIR [--suite smoke|default|stress] [--shard I/N]\n"
    "       ropecert golden merge --out DIR SHARD_DIR...\n\n"
    "Writes a golden suite (format ropecert-golden/1): DIR/manifest.json and DIR/cases/<tcId>/ with\n"
    "the case (ropecert-case/1, inputs exactly representable in bfloat16, float16, float32), the same\n"
    "inputs as float32 (*_f32.npy) and expected/ with the correctly rounded outputs in float64,\n"
    "float32, float16 and bfloat16 (bit patterns as uint16), the enclosure, and for cases inside the\n"
    "paper's regime the exact surrogate of the fast algorithm. The manifest lists the SHA-256 of\n"
    "every file. Same command, byte-identical files. Grade an implementation with\n"
    "'ropecert validate'. 'golden merge' joins the shards written with --shard into one suite,\n"
    "checking every file against its shard's manifest.\n\n";

const OptionSpec out_option{"--out", "DIR", "output directory (required); written atomically"};
const OptionSpec force_option{"--force", "", "replace DIR if it exists and is not empty"};

const CommandSpec golden_command{
    "golden",
    golden_help,
    {out_option,
     {"--suite", "S", "smoke (seconds), default (every convention, n <= 4096) or stress (adds n = 8192 and 32768)"},
     {"--shard", "I/N", "write only shard I of N (0 <= I < N); join the shards with 'golden merge'"},
     {"--threads", "N", "worker threads of the certified evaluator, 0 = all cores (default 0)"},
     route_option(),
     force_option},
    "",
    0,
    0,
    {"--out"},
};

const CommandSpec golden_merge_command{
    "golden merge", golden_help, {out_option, force_option}, "SHARD_DIR", 1, kUnbounded, {"--out"},
};

GoldenShard parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) throw InputError("--shard: expected I/N, got '" + text + "'");
  GoldenShard shard;
  shard.count = static_cast<std::size_t>(parse_integer(text.substr(slash + 1), "--shard", 1, 1 << 20));
  shard.index = static_cast<std::size_t>(parse_integer(text.substr(0, slash), "--shard", 0, 1 << 20));
  if (shard.index >= shard.count) throw InputError("--shard: I must be below N, got '" + text + "'");
  return shard;
}

}  // namespace

int command_golden(int argc, char** argv) {
  const bool merge = argc > 1 && std::string(argv[1]) == "merge";
  const std::optional<ParsedArguments> parsed = parse_command(argc, argv, merge ? golden_merge_command : golden_command);
  if (!parsed) return exit_ok;
  const ParsedArguments& args = *parsed;
  const std::string out = args.value_or("--out", "");
  if (merge) {
    std::vector<std::filesystem::path> shards(args.positionals.begin(), args.positionals.end());
    merge_golden(out, shards, args.has("--force"));
    std::cout << "merged " << shards.size() << " shards into " << out << '\n';
    return exit_ok;
  }
  const std::string suite_name = args.value_or("--suite", "default");
  const std::optional<GoldenSuiteKind> suite = parse_golden_suite_kind(suite_name);
  if (!suite) throw InputError("--suite: expected smoke, default or stress, got '" + suite_name + "'");
  const GoldenShard shard = args.has("--shard") ? parse_shard(args.value_or("--shard", "")) : GoldenShard{};
  EvalOptions options;
  options.threads = static_cast<unsigned>(args.integer_or("--threads", 0, 0, 1024));
  options.route = route_from(args);
  write_golden(out, *suite, shard, args.has("--force"), options,
               [](std::size_t done, std::size_t total, const std::string& id) {
                 std::cerr << "golden: " << done << "/" << total << " " << id << '\n';
               });
  std::cout << "wrote " << out << '\n';
  return exit_ok;
}

}  // namespace ropecert::cli
