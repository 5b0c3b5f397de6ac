#!/usr/bin/env bash
# bench-idle-cpu.sh: CPU that proctui spends per refresh while it sits idle,
# next to a bare loop that reads every /proc/PID/stat once per second (the
# floor for any poller) and btop, all in the same run, each in its own
# 200x50 tmux pane, with EXTRA extra processes alive.
#
# usage: scripts/bench-idle-cpu.sh [-n EXTRA] [-w SECONDS] [-r ROUNDS]
# needs: go, gcc, tmux; btop is optional (apt-get install btop).
set -euo pipefail
extra=1000 win=20 rounds=3
while getopts "n:w:r:" o; do
  case $o in
    n) extra=$OPTARG ;; w) win=$OPTARG ;; r) rounds=$OPTARG ;;
    *) echo "usage: $0 [-n EXTRA] [-w SECONDS] [-r ROUNDS]" >&2; exit 2 ;;
  esac
done
for c in go gcc tmux; do command -v $c >/dev/null || { echo "$0 needs $c" >&2; exit 2; }; done
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
  for s in $(tmux list-sessions -F '#{session_name}' 2>/dev/null | grep "^idlecpu$$" || true); do tmux kill-session -t "$s"; done
  if ((${#pids[@]})); then kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
(cd "$here/.." && go build -o "$tmp/proctui" .)
gcc -O2 -o "$tmp/statloop" "$here/idlecpu/statloop.c"
# btop reads its refresh interval from its config; give it 1 s in a private HOME.
mkdir -p "$tmp/home/.config/btop"
echo 'update_ms = 1000' >"$tmp/home/.config/btop/btop.conf"
for ((i = 0; i < extra; i++)); do sleep 3600 & pids+=($!); done

tck=$(getconf CLK_TCK)
cpu_ticks() { local x; x=$(<"/proc/$1/stat"); x=${x##*) }; set -- $x; echo $((${12} + ${13})); }
measure() { # name cmd... -> prints ms of CPU per second of wall time
  local name=$1; shift
  local s=idlecpu$$$name
  tmux new-session -d -s "$s" -x 200 -y 50 "exec env HOME=$tmp/home $(printf '%q ' "$@")"
  local pid; pid=$(tmux list-panes -t "$s" -F '#{pane_pid}')
  sleep 4
  if [ ! -d "/proc/$pid" ]; then tmux kill-session -t "$s"; echo "$name exited during warm-up" >&2; return 1; fi
  local c0 t0 c1 t1
  c0=$(cpu_ticks "$pid"); t0=$(cut -d' ' -f1 /proc/uptime)
  sleep "$win"
  c1=$(cpu_ticks "$pid"); t1=$(cut -d' ' -f1 /proc/uptime)
  tmux kill-session -t "$s"
  awk -v c=$((c1 - c0)) -v tck="$tck" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f\n", c * 1000 / tck / (t1 - t0) }'
}
declare -A res
names=(statloop proctui)
command -v btop >/dev/null && names+=(btop)
for ((r = 1; r <= rounds; r++)); do
  for n in "${names[@]}"; do
    case $n in
      statloop) v=$(measure statloop "$tmp/statloop" 1000) ;;
      proctui) v=$(measure proctui "$tmp/proctui" --all --interval 1s) ;;
      btop) v=$(measure btop btop) ;;
    esac
    res[$n]+="$v "
    echo "round $r $n cpu_ms_per_s=$v" >&2
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
procs=$(ls -d /proc/[0-9]* | wc -l)
echo "processes alive: $procs, window ${win}s, rounds $rounds (median ms of CPU per 1 s refresh)"
base=$(echo "${res[statloop]}" | median)
for n in "${names[@]}"; do
  m=$(echo "${res[$n]}" | median)
  awk -v n="$n" -v m="$m" -v b="$base" 'BEGIN { printf "%-9s %6.2f ms/refresh  %5.2fx statloop\n", n, m, (b > 0 ? m / b : 0) }'
done
