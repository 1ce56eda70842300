#include "arguments.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "ropecert/errors.hpp"

namespace ropecert::cli {

std::string ParsedArguments::value_or(const std::string& name, const std::string& fallback) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

long long parse_integer(const std::string& text, const std::string& name, long long min, long long max) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min || value > max)
    throw InputError(name + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got '" + text + "'");
  return value;
}

long long ParsedArguments::integer_or(const std::string& name, long long fallback, long long min,
                                      long long max) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : parse_integer(it->second, name, min, max);
}

ParsedArguments parse_arguments(int argc, char** argv, int first, const std::vector<OptionSpec>& specs) {
  ParsedArguments parsed;
  for (int k = first; k < argc; ++k) {
    const std::string word = argv[k];
    if (word.size() < 2 || word.compare(0, 2, "--") != 0) {
      parsed.positionals.push_back(word);
      continue;
    }
    std::string name = word, value;
    const std::size_t equals = word.find('=');
    if (equals != std::string::npos) {
      name = word.substr(0, equals);
      value = word.substr(equals + 1);
    }
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) throw InputError(name + ": unknown option (see --help)");
    if (parsed.has(name)) throw InputError(name + ": given more than once");
    if (!spec->metavar.empty() && equals == std::string::npos) {
      if (k + 1 >= argc) throw InputError(name + ": missing value " + spec->metavar);
      value = argv[++k];
    } else if (spec->metavar.empty() && equals != std::string::npos) {
      throw InputError(name + ": takes no value");
    }
    parsed.values[name] = value;
  }
  return parsed;
}

std::string describe_options(const std::vector<OptionSpec>& specs) {
  std::ostringstream text;
  text << "Options:\n";
  for (const OptionSpec& spec : specs) {
    std::string left = "  " + spec.name + (spec.metavar.empty() ? "" : " " + spec.metavar);
    left.resize(std::max<std::size_t>(left.size() + 2, 24), ' ');
    text << left << spec.help << '\n';
  }
  return text.str();
}

std::optional<ParsedArguments> parse_command(int argc, char** argv, const CommandSpec& spec) {
  std::vector<OptionSpec> options = spec.options;
  options.push_back({"--help", "", "show this help"});
  const int words = 1 + static_cast<int>(std::count(spec.name.begin(), spec.name.end(), ' '));
  const ParsedArguments args = parse_arguments(argc, argv, words, options);
  if (args.has("--help")) {
    std::cout << spec.help << describe_options(options);
    return std::nullopt;
  }
  const std::string see = " (see ropecert " + spec.name + " --help)";
  const std::size_t count = args.positionals.size();
  if (count > spec.max_positionals && spec.max_positionals == 0)
    throw InputError(spec.name + ": unexpected argument '" + args.positionals.front() + "'" + see);
  if (count < spec.min_positionals || count > spec.max_positionals) {
    const auto number = [](std::size_t k) { return k == 1 ? std::string("one") : std::to_string(k); };
    const std::string how_many = spec.min_positionals == spec.max_positionals ? number(spec.min_positionals)
                                 : spec.max_positionals == kUnbounded
                                     ? "at least " + number(spec.min_positionals)
                                     : number(spec.min_positionals) + " to " + number(spec.max_positionals);
    throw InputError(spec.name + ": expected " + how_many + " " + spec.positional + see);
  }
  for (const std::string& name : spec.required)
    if (!args.has(name)) {
      const auto option = std::find_if(options.begin(), options.end(), [&](const OptionSpec& o) { return o.name == name; });
      throw InputError(spec.name + ": " + name + (option == options.end() ? "" : " " + option->metavar) + " is required" + see);
    }
  return args;
}

}  // namespace ropecert::cli
