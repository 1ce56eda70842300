#!/usr/bin/env bash
# Runs the commands examples/slurm_golden.sh would submit, locally (the shards two at a time with
# xargs -P 2, then the merge), and checks that the merged suite is byte for byte the unsharded one.
# Usage: test_slurm_golden.sh ROPECERT_BINARY
set -euo pipefail
ropecert="$1"
here="$(cd "$(dirname "$0")" && pwd)"
script="$here/../../examples/slurm_golden.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$script" --out "$work/sharded" --suite smoke --shards 3 --ropecert "$ropecert" --print-commands > "$work/commands"
[ "$(wc -l < "$work/commands")" = 4 ] || { echo "expected 3 shard commands and a merge command"; exit 1; }
head -n 3 "$work/commands" | xargs -P 2 -I CMD sh -c 'CMD > /dev/null'
sh -c "$(tail -n 1 "$work/commands")" > /dev/null
"$ropecert" golden --suite smoke --out "$work/unsharded" > /dev/null 2>&1
diff -r "$work/unsharded" "$work/sharded/suite"
echo "merged suite of 3 shards (run 2 at a time) == unsharded suite"

# The submission path, with a stand-in sbatch that runs each job at once (array tasks one by one, with
# SLURM_ARRAY_TASK_ID set) and checks that the merge job depends on the array job.
mkdir -p "$work/bin"
cat > "$work/bin/sbatch" << 'STUB'
#!/usr/bin/env bash
set -euo pipefail
array="" wrap="" dependency=""
for arg in "$@"; do
  case "$arg" in
    --array=*) array="${arg#--array=}" ;;
    --dependency=*) dependency="${arg#--dependency=}" ;;
    --wrap) ;;
    *) [ "${previous:-}" = "--wrap" ] && wrap="$arg" ;;
  esac
  previous="$arg"
done
id=$(( $(cat "$SBATCH_STUB_COUNTER" 2>/dev/null || echo 100) + 1 )); echo "$id" > "$SBATCH_STUB_COUNTER"
if [ -n "$array" ]; then
  for ((task = ${array%-*}; task <= ${array#*-}; task++)); do SLURM_ARRAY_TASK_ID=$task bash -c "$wrap" > /dev/null 2>&1; done
  echo "$id" > "$SBATCH_STUB_COUNTER.array"
else
  [ "$dependency" = "afterok:$(cat "$SBATCH_STUB_COUNTER.array")" ] || { echo "merge job without afterok on the array" >&2; exit 1; }
  bash -c "$wrap" > /dev/null 2>&1
fi
echo "$id;stubcluster"
STUB
chmod +x "$work/bin/sbatch"
PATH="$work/bin:$PATH" SBATCH_STUB_COUNTER="$work/counter" \
  "$script" --out "$work/submitted" --suite smoke --shards 2 --ropecert "$ropecert" --sbatch-args "--time=00:10:00" > /dev/null
diff -r "$work/unsharded" "$work/submitted/suite"
echo "submitted through (stub) sbatch: merged suite == unsharded suite"

# Bad arguments: one line, exit 2.
for args in "--suite huge --out x" "--shards 0 --out x" "--out"; do
  set +e
  # shellcheck disable=SC2086  # word splitting of $args intended
  err=$("$script" $args --print-commands 2>&1 > /dev/null)
  code=$?
  set -e
  [ "$code" = 2 ] || { echo "slurm_golden.sh $args: exit $code, expected 2"; exit 1; }
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { echo "slurm_golden.sh $args: not one line: $err"; exit 1; }
done
echo "bad arguments refused"
