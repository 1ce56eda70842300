// The ropecert commands. Each returns the process exit code:
// 0 success, 2 bad input or usage (one line on stderr), 3 finished with undecided entries.
#pragma once

namespace ropecert::cli {

constexpr int exit_ok = 0;
constexpr int exit_bad_input = 2;
constexpr int exit_undecided = 3;

int command_eval(int argc, char** argv);   // argv[0] is "eval"
int command_demo(int argc, char** argv);   // argv[0] is "demo"
int command_bench(int argc, char** argv);  // argv[0] is "bench"; "bench fast" goes to command_bench_fast
int command_bench_fast(int argc, char** argv);  // argv[0] is "bench", argv[1] is "fast"
int command_audit(int argc, char** argv);  // argv[0] is "audit"
int command_fast(int argc, char** argv);   // argv[0] is "fast"
int command_validate(int argc, char** argv);  // argv[0] is "validate"; exit 1 when a test fails
int command_golden(int argc, char** argv); // argv[0] is "golden"; "golden merge" too

}  // namespace ropecert::cli
