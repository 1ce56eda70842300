#!/usr/bin/env bash
# The benchmark table of the fast certified route (issue 10, item 6; bench/README.md): for each case
# (kind rope, Q, K, V uniform in [-1, 1] from make_uniform_case.py, seed 1), the whole-process wall time and
# peak resident memory of
#   ropecert eval (fast route, the default) with 1 and 2 threads, with --outputs f32,bf16,f16 (the binary64
#   tier first; program "narrow") with 1 thread, and with --route mpfi (n <= MPFI_MAX_N),
#   the Arb peer (bench/arb_attention.cpp, 128 bits, 1 thread; n <= ARB_MAX_N),
#   plain float64 with the same BLAS (bench/float64_attention.cpp) with 1 and 2 threads,
# the share of entries the fast route decided (report.json), and the ratios to float64 and to Arb with the
# same thread count, all from this one run. It prints a Markdown table on stdout, progress on stderr.
#
# Usage: bench/fast_route.sh [--build DIR] [--work DIR] [--cases "d:n:mask ..."]
#   --build DIR  a Release build with -DROPECERT_BENCH_PEERS=ON (default: build)
#   --work DIR   where the cases and outputs go (default: a new temporary directory, removed at the end)
#   --cases      default "64:1024:none 64:1024:causal 64:4096:none 128:4096:none 128:4096:causal 128:8192:causal"
# Environment: MPFI_MAX_N (default 1024), ARB_MAX_N (default 4096).
set -euo pipefail

build=build
work=""
cases="64:1024:none 64:1024:causal 64:4096:none 128:4096:none 128:4096:causal 128:8192:causal"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fast_route.sh: error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
here="$(cd "$(dirname "$0")" && pwd)"
for program in "$build/ropecert" "$build/bench/arb_attention" "$build/bench/float64_attention"; do
  if [[ ! -x "$program" ]]; then
    echo "fast_route.sh: error: $program not found; build with -DROPECERT_BENCH_PEERS=ON (bench/README.md)" >&2
    exit 2
  fi
done
if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mpfi_max_n="${MPFI_MAX_N:-1024}"
arb_max_n="${ARB_MAX_N:-4096}"

# Runs a command, prints "<seconds> <peak MiB>" (wall time by date's nanoseconds: /usr/bin/time's %e has
# 10 ms steps; the peak resident set size by /usr/bin/time's %M).
measure() {
  local timing start end
  timing="$(mktemp)"
  start="$(date +%s.%N)"
  /usr/bin/time -f "%M" -o "$timing" "$@" >/dev/null 2>"$timing.err" || {
    echo "fast_route.sh: error: '$*' failed:" >&2
    cat "$timing.err" >&2
    exit 1
  }
  end="$(date +%s.%N)"
  awk -v start="$start" -v end="$end" '{ printf "%.3f %d\n", end - start, $1 / 1024 }' "$timing"
  rm -f "$timing" "$timing.err"
}

# The share of entries the fast route decided, from a report.json.
fast_share() {
  /usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print("%.4f%%" % (100.0 * r["fast_route"]["entries_decided"] / r["entries"]) if "fast_route" in r else "")' "$1"
}

echo "| d | n | mask | program | threads | wall (s) | peak RSS (MiB) | fast route share | / float64 | / Arb |"
echo "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"
for spec in $cases; do
  IFS=: read -r d n mask <<<"$spec"
  case_dir="$work/c-$d-$n-$mask"
  if [[ ! -d "$case_dir" ]]; then
    flag=()
    [[ "$mask" == causal ]] && flag=(--causal)
    /usr/bin/python3 "$here/make_uniform_case.py" "$case_dir" --n "$n" --d "$d" "${flag[@]}"
  fi
  declare -A seconds=() memory=() share=()
  run() {  # key, command...
    local key="$1"
    shift
    echo "fast_route.sh: d=$d n=$n $mask: $key" >&2
    read -r "seconds[$key]" "memory[$key]" < <(measure "$@")
  }
  for threads in 1 2; do
    run "float64/$threads" "$build/bench/float64_attention" "$case_dir" --threads "$threads"
    run "fast/$threads" "$build/ropecert" eval "$case_dir" --out "$work/out-fast" --force --threads "$threads"
    share["fast/$threads"]="$(fast_share "$work/out-fast/report.json")"
  done
  run "narrow/1" "$build/ropecert" eval "$case_dir" --out "$work/out-narrow" --force --threads 1 --outputs f32,bf16,f16
  share["narrow/1"]="$(fast_share "$work/out-narrow/report.json")"
  if (( n <= arb_max_n )); then
    run "arb/1" "$build/bench/arb_attention" "$case_dir" --threads 1
  fi
  if (( n <= mpfi_max_n )); then
    run "mpfi/1" "$build/ropecert" eval "$case_dir" --out "$work/out-mpfi" --force --threads 1 --route mpfi
  fi
  for key in fast/1 fast/2 narrow/1 mpfi/1 arb/1 float64/1 float64/2; do
    [[ -n "${seconds[$key]:-}" ]] || continue
    threads="${key#*/}"
    ratio_float64="$(awk -v a="${seconds[$key]}" -v b="${seconds[float64/$threads]}" 'BEGIN { printf "%.1f", a / b }')"
    ratio_arb=""
    if [[ -n "${seconds[arb/1]:-}" && "$threads" == 1 ]]; then
      ratio_arb="$(awk -v a="${seconds[$key]}" -v b="${seconds[arb/1]}" 'BEGIN { printf "%.2f", a / b }')"
    fi
    echo "| $d | $n | $mask | ${key%/*} | $threads | ${seconds[$key]} | ${memory[$key]} | ${share[$key]:-} | $ratio_float64 | $ratio_arb |"
  done
  unset seconds memory share
done
