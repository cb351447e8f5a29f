#!/usr/bin/env bash
# The README's first command, tried as a new user would: the repository's tracked files copied into an empty folder
# (no node_modules, no build output, no built page), `bash scripts/run.sh` started there on a free loopback port, and
# the service must answer healthy with the bundled model and serve the web page within 6 minutes. Called by
# scripts/test.sh (which counts it as one test); run alone: bash scripts/check-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/ve-check-run.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -- -"$pid" 2>/dev/null || true   # the run's process group: run.sh, dotnet run and the StreamHub
    sleep 1
    kill -9 -- -"$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Tracked files as they are in this working tree (so a local run checks local edits; in CI it is a clean clone).
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work"
# A free loopback port, asked of Node (which test.sh requires anyway; python3 is not on every fresh machine).
port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
url="http://127.0.0.1:$port"
echo "== the README's run command on a fresh copy ($work, $url)"
setsid bash "$work/scripts/run.sh" --urls "$url" >"$work.log" 2>&1 &
pid=$!

# GET with Node's fetch (curl is not on every fresh machine): the body on stdout, exit 1 unless the status is 2xx.
get() { node -e 'fetch(process.argv[1]).then(async r => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(1))' "$1"; }

ready=""
for _ in $(seq 1 180); do
  if ready=$(get "$url/healthz/ready" 2>/dev/null); then break; fi
  ready=""
  kill -0 "$pid" 2>/dev/null || break
  sleep 2
done
fail() {
  echo "check-run: FAILED — $1; the run's output ends:" >&2
  tail -25 "$work.log" >&2
  rm -f "$work.log"
  exit 1
}
[ -n "$ready" ] || fail "the service did not answer $url/healthz/ready"
echo "$ready" | grep -q '"status":"Healthy"' || fail "health is not Healthy: $ready"
echo "$ready" | grep -q 'emotion.onnx' || fail "the health report does not name the bundled model: $ready"
page=$(get "$url/") || fail "no web page at $url/"
echo "$page" | grep -qi '<html' || fail "$url/ is not the web page"
rm -f "$work.log"
echo "check-run: passed (healthy with the bundled model, the page served)"
