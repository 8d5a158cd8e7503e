#!/usr/bin/env bash
# Conformance suites: each simulator driven by the upstream's own client library from PyPI
# (wechatpy → WeCom, the official `fangcloud` SDK → Fangcloud, aiocqhttp → OneBot).
#
#   tests/conformance/run.sh [pytest arguments]
#
# Creates its own virtualenv with the pinned requirements (CONFORMANCE_VENV, default
# target/conformance-venv; rebuilt when requirements.txt changes), builds the `filegate`
# binary unless FILEGATE_BIN names one, starts `filegate simulate <provider>` for each
# upstream on a free loopback port, and runs pytest, whose last line reads
# `N passed[, N failed]`. Exits non-zero when any test fails or a simulator does not start.
set -euo pipefail
# FILEGATE_BIN is this script's own setting: keep it out of the gateway's environment, whose
# strict check refuses unknown FILEGATE_ variables.
export -n FILEGATE_BIN 2>/dev/null || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${CONFORMANCE_VENV:-$root/target/conformance-venv}
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  echo "--- conformance: creating $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

bin=${FILEGATE_BIN:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --locked --quiet --bin filegate)
  bin=$root/target/debug/filegate
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts one simulator on a free port and sets `url` to its base URL (its first stdout line
# is `listening on <url>`).
start() {
  local provider=$1 out=$work/$1.out
  "$bin" simulate "$provider" --port 0 >"$out" 2>"$work/$provider.err" &
  pids+=($!)
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^listening on //p' "$out" 2>/dev/null | head -1)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "the $provider simulator did not start:" >&2
  cat "$work/$provider.err" >&2
  return 1
}

start wecom; WECOM_URL=$url
start fangcloud; FANGCLOUD_URL=$url
start onebot; ONEBOT_URL=$url
export WECOM_URL FANGCLOUD_URL ONEBOT_URL
echo "--- conformance: wecom $WECOM_URL, fangcloud $FANGCLOUD_URL, onebot $ONEBOT_URL"

cd "$here"
"$venv/bin/python" -m pytest -p no:cacheprovider -q "$@"
