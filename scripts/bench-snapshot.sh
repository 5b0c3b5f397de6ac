#!/usr/bin/env bash
# bench-snapshot.sh: how long `proctui snapshot --all` takes next to
# `ps -eo pid,ppid,stat,comm` and `pstree -p`, all timed in the same run on
# the same process table, so that a noisy machine slows all three alike.
#
# usage: scripts/bench-snapshot.sh [-n EXTRA] [-r RUNS]
#   -n EXTRA  start EXTRA more processes (sleep) for the run, reaped at the end
#   -r RUNS   runs per command (default 200)
# Uses hyperfine when it is installed (apt-get install hyperfine), otherwise
# a shell loop. Prints the median of each command and its ratio to ps.
set -euo pipefail
extra=0 runs=200
while getopts "n:r:" o; do
  case $o in
    n) extra=$OPTARG ;; r) runs=$OPTARG ;;
    *) echo "usage: $0 [-n EXTRA] [-r RUNS]" >&2; exit 2 ;;
  esac
done
for c in go ps pstree; do command -v "$c" >/dev/null || { echo "$0 needs $c" >&2; exit 2; }; done

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$here/.." && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp/proctui" .)
for ((i = 0; i < extra; i++)); do sleep 3600 & pids+=($!); done
echo "processes: $(ls /proc | grep -c "^[0-9]")  runs: $runs  cpus: $(nproc)"

names=(proctui ps pstree)
cmds=("$tmp/proctui snapshot --all" "ps -eo pid,ppid,stat,comm" "pstree -p")

# times$i collects every run of command i, in milliseconds, one a line.
if command -v hyperfine >/dev/null; then
  # hyperfine runs all the runs of one command, then the next; on a noisy
  # machine a burst of load can land on one command only. So: several
  # short rounds, and the median over all of them. -N: no shell in between.
  rounds=5
  for ((r = 0; r < rounds; r++)); do
    hyperfine -N --style none --warmup 3 --runs $(((runs + rounds - 1) / rounds)) \
      --export-json "$tmp/h$r.json" "${cmds[@]}" >/dev/null 2>&1
    # Each result's "times" array follows its "command"; numbers in seconds.
    awk -v dir="$tmp" '
      /"command":/ { i++ }
      /"times": \[/ { in_times = 1; next }
      in_times && /\]/ { in_times = 0 }
      in_times { gsub(/[ ,]/, ""); printf "%.6f\n", $0 * 1000 >> (dir "/times" (i - 1)) }
    ' "$tmp/h$r.json"
  done
else
  echo "(hyperfine not found: timing with a shell loop, which adds the cost of date)"
  # Interleave the commands run by run, so drift hits each one the same.
  for ((r = 0; r < runs; r++)); do
    for i in "${!cmds[@]}"; do
      s=$(date +%s%N)
      ${cmds[$i]} >/dev/null
      e=$(date +%s%N)
      echo "$(((e - s) / 1000)).0" | awk '{ printf "%.6f\n", $1 / 1000 }' >>"$tmp/times$i"
    done
  done
fi
medians=()
for i in "${!cmds[@]}"; do
  medians+=("$(sort -n "$tmp/times$i" | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f\n", m }')")
done

printf '%-8s %10s %10s\n' command median/ms "vs ps"
for i in "${!names[@]}"; do
  printf '%-8s %10s %10s\n' "${names[$i]}" "${medians[$i]}" \
    "$(awk -v a="${medians[$i]}" -v b="${medians[1]}" 'BEGIN { printf "%.2fx", a / b }')"
done
