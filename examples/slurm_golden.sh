#!/usr/bin/env bash
# Writes a ropecert golden suite on a Slurm cluster: a job array with one task per shard
# (`ropecert golden --shard I/N`), then a merge job that starts when every shard task succeeded
# (`ropecert golden merge`). The merged suite is byte for byte the suite one `ropecert golden` writes.
#
# Usage: examples/slurm_golden.sh --out DIR [--suite smoke|default|stress] [--shards N]
#                                 [--ropecert PATH] [--sbatch-args "ARGS"]
#        examples/slurm_golden.sh ... --print-commands
#
#   --out DIR         the suite is written to DIR/suite, the shards to DIR/shards/shard-I
#   --suite S         the suite (default: default)
#   --shards N        number of array tasks (default 8)
#   --ropecert PATH   the ropecert binary as the compute nodes see it (default: ropecert on PATH)
#   --sbatch-args A   extra sbatch options for both jobs, e.g. "--partition=cpu --time=02:00:00"
#   --print-commands  create DIR/shards, print the N shard commands (one per line) and then the merge
#                     command, and submit nothing: a test runs exactly these commands locally (xargs -P 2).
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "slurm_golden.sh: error: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [[ "$2" != --* ]]; }  # an option's value is there and is not an option

out="" suite="default" shards=8 ropecert="ropecert" sbatch_args="" print=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) need_value "$@" || die "--out needs DIR"; out="$2"; shift 2 ;;
    --suite) need_value "$@" || die "--suite needs S"; suite="$2"; shift 2 ;;
    --shards) need_value "$@" || die "--shards needs N"; shards="$2"; shift 2 ;;
    --ropecert) need_value "$@" || die "--ropecert needs PATH"; ropecert="$2"; shift 2 ;;
    --sbatch-args) [ $# -ge 2 ] || die "--sbatch-args needs ARGS"; sbatch_args="$2"; shift 2 ;;  # sbatch options
    --print-commands) print=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$out" ] || die "--out DIR is required"
case "$suite" in smoke|default|stress) ;; *) die "--suite: expected smoke, default or stress, got '$suite'" ;; esac
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards: expected a positive integer, got '$shards'"

q() { printf '%q' "$1"; }
# The command of shard I (I = a number, or the literal ${SLURM_ARRAY_TASK_ID} inside a Slurm job).
shard_command() {
  echo "$(q "$ropecert") golden --suite $suite --shard $1/$shards --force --out $(q "$out")/shards/shard-$1"
}
merge_command() {
  local dirs="" i
  for ((i = 0; i < shards; i++)); do dirs="$dirs $(q "$out")/shards/shard-$i"; done
  echo "$(q "$ropecert") golden merge --force --out $(q "$out")/suite$dirs"
}

mkdir -p -- "$out/shards" "$out/logs"  # the parent directories the commands write into
if [ "$print" = 1 ]; then
  for ((i = 0; i < shards; i++)); do shard_command "$i"; done
  merge_command
  exit 0
fi

command -v sbatch > /dev/null || die "sbatch not found (run on a Slurm login node, or use --print-commands)"
# shellcheck disable=SC2086,SC2016  # sbatch_args is a list of options; the task id expands in the job
array_job=$(sbatch --parsable $sbatch_args --job-name=ropecert-golden --array=0-$((shards - 1)) \
  --output="$out/logs/shard-%a.out" --wrap "$(shard_command '${SLURM_ARRAY_TASK_ID}')")
array_job=${array_job%%;*}  # --parsable prints "jobid[;cluster]"
# shellcheck disable=SC2086
merge_job=$(sbatch --parsable $sbatch_args --job-name=ropecert-golden-merge --dependency=afterok:"$array_job" \
  --output="$out/logs/merge.out" --wrap "$(merge_command)")
echo "submitted shards as job array $array_job ($shards tasks) and the merge as job ${merge_job%%;*}"
echo "the suite will be in $out/suite"
