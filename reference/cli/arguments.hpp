// Minimal command-line parsing for the ropecert commands: named options and positionals.
#pragma once
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ropecert::cli {

struct OptionSpec {
  std::string name;      // "--out"
  std::string metavar;   // "DIR"; empty for a flag
  std::string help;
};

struct ParsedArguments {
  std::vector<std::string> positionals;
  std::map<std::string, std::string> values;  // option name -> value ("" for a set flag)
  bool has(const std::string& name) const { return values.count(name) != 0; }
  std::string value_or(const std::string& name, const std::string& fallback) const;
  // Integer option in [min, max], or `fallback` when absent; InputError naming the option otherwise.
  long long integer_or(const std::string& name, long long fallback, long long min, long long max) const;
};

// The integer spelled by all of `text`, in [min, max]; InputError naming `name` otherwise.
long long parse_integer(const std::string& text, const std::string& name, long long min, long long max);

// Parses argv[first..argc). Unknown options, missing values and repeated options are InputErrors.
ParsedArguments parse_arguments(int argc, char** argv, int first, const std::vector<OptionSpec>& specs);

// "Options:" block of a help text, one line per option.
std::string describe_options(const std::vector<OptionSpec>& specs);

// What a command accepts, for parse_command.
struct CommandSpec {
  std::string name;                  // as typed after "ropecert": "eval", "bench fast", "golden merge"
  std::string help;                  // usage and description, printed before the "Options:" block
  std::vector<OptionSpec> options;   // without --help (parse_command adds it)
  std::string positional;            // metavar of the positional arguments ("CASE_DIR"); "" for none
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;   // kUnbounded for a list
  std::vector<std::string> required; // options that must be given
};
constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

// Parses argv[w..argc), w = the number of words of spec.name, as parse_arguments does. With --help it
// prints spec.help and the options to stdout and returns std::nullopt (the command then exits 0).
// Otherwise checks the number of positionals and the required options: InputError
// "<name>: <problem> (see ropecert <name> --help)".
std::optional<ParsedArguments> parse_command(int argc, char** argv, const CommandSpec& spec);

}  // namespace ropecert::cli
