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
echo "processes: $(ls -d /proc/[0-9]* | wc -l)  runs: $runs  cpus: $(nproc)"

names=(proctui ps pstree)
cmds=("$tmp/proctui snapshot --all" "ps -eo pid,ppid,stat,comm" "pstree -p")

if command -v hyperfine >/dev/null; then
  # -N: no shell in between, so only the command itself is timed.
  hyperfine -N --style none --warmup 10 --runs "$runs" \
    --export-json "$tmp/h.json" "${cmds[@]}" >/dev/null
  # hyperfine's JSON holds a median per command, in seconds.
  mapfile -t medians < <(grep -o '"median": *[0-9.e+-]*' "$tmp/h.json" |
    awk -F: '{ printf "%.3f\n", $2 * 1000 }')
else
  echo "(hyperfine not found: timing with a shell loop, which adds fork+exec of the shell's own)"
  medians=()
  # Interleave the commands run by run, so drift hits each one the same.
  for ((r = 0; r < runs; r++)); do
    for i in "${!cmds[@]}"; do
      s=$(date +%s%N)
      ${cmds[$i]} >/dev/null
      e=$(date +%s%N)
      echo $(((e - s) / 1000)) >>"$tmp/t$i"
    done
  done
  for i in "${!cmds[@]}"; do
    medians+=("$(sort -n "$tmp/t$i" | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f\n", m / 1000 }')")
  done
fi

printf '%-8s %10s %10s\n' command median/ms "vs ps"
for i in "${!names[@]}"; do
  printf '%-8s %10s %10s\n' "${names[$i]}" "${medians[$i]}" \
    "$(awk -v a="${medians[$i]}" -v b="${medians[1]}" 'BEGIN { printf "%.2fx", a / b }')"
done
