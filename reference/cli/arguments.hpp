// Minimal command-line parsing for the ropecert commands: named options and positionals.
#pragma once
#include <map>
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

}  // namespace ropecert::cli
