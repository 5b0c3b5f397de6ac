#!/usr/bin/env bash
# screenshot.sh: renders what a person sees in proctui to a PNG. It runs the
# program in a detached tmux pane, presses the given keys (one argument per
# tmux send-keys call, a pause after each), captures the pane with its
# colours, turns it into HTML with aha and photographs that with headless
# Chromium.
#
# usage: scripts/screenshot.sh OUT.png COLS ROWS "PROCTUI FLAGS" [KEYS...]
#   scripts/screenshot.sh docs/screenshot.png 100 30 "--theme contrast" f f Down x 3 Enter
# needs: go, tmux, aha, chromium, fonts-dejavu-core (all Debian packages).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,10p "$0" >&2; exit 2; }
out=$1 cols=$2 rows=$3 flags=$4
shift 4
for c in go tmux aha chromium; do command -v $c >/dev/null || { echo "$0 needs $c" >&2; exit 2; }; done
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
cleanup() { tmux -S "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
(cd "$root" && go build -o "$tmp/proctui" .)
# shellcheck disable=SC2086 # flags are words on purpose
tmux -S "$sock" -f /dev/null new-session -d -x "$cols" -y "$rows" \
  "cd $tmp && exec env TERM=xterm-256color $tmp/proctui $flags"
sleep 2
for k in "$@"; do
  tmux -S "$sock" send-keys "$k"
  sleep 1.2
done
sleep 1
tmux -S "$sock" capture-pane -e -p >"$tmp/screen.ans"
bg='#ffffff' fg='#000000'
case "$flags" in *dark*) bg='#1c1c1c' fg='#d0d0d0' ;; esac
{
  printf '<!doctype html><html><head><meta charset="utf-8"><style>'
  printf 'body{margin:0;background:%s;color:%s}' "$bg" "$fg"
  printf 'pre{margin:12px;font:18px/1.25 "DejaVu Sans Mono",monospace}'
  printf '</style></head><body><pre>'
  aha -n <"$tmp/screen.ans"
  printf '</pre></body></html>'
} >"$tmp/screen.html"
w=$((cols * 11 + 24)) h=$((rows * 23 + 24))
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/chrome" --hide-scrollbars --window-size="$w,$h" \
  --screenshot="$tmp/shot.png" "file://$tmp/screen.html" >/dev/null 2>&1
mkdir -p "$(dirname "$out")"
cp "$tmp/shot.png" "$out"
echo "wrote $out (${w}x${h})"
