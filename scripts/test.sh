#!/usr/bin/env bash
# The one test command (README, .ci/run). Installs what the tests need — Debian's chromium, espeak-ng, postgresql
# (started) and redis-server (each scale-out test starts its own), the npm packages, the NuGet packages — then runs
# every test: xunit (Pipeline, Training, StreamHub, the latter against real SQLite, PostgreSQL and Redis), vitest,
# the end-to-end browser tests against the real hub in headless Chromium, and the README's run command on a fresh copy.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is required (dotnet not on PATH)" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: Node.js 20+ with npm is required for the web client" >&2
  exit 1
fi

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A real PostgreSQL server for the emotion-log tests (sets VOICEEMOTION_TEST_POSTGRES).
source scripts/postgres.sh

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

echo "== TypeScript client package: npm ci, build (the web pages import its dist/); its tests run after the .NET build"
(cd clients/js && npm ci --no-audit --no-fund && npm run build)
echo "== web client: npm ci, build, unit tests"
(cd clients/web && npm ci --no-audit --no-fund && npm run build && npm test 2>&1 | tee "$log_dir/vitest.log")

echo "== .NET: restore, build, tests"
dotnet restore VoiceEmotion.sln
dotnet build VoiceEmotion.sln -c Release --no-restore
# A failing test's name and message can be thousands of lines above the end of this output, which is the part a CI
# log viewer shows: on failure they are repeated last.
dotnet_tests() {
  set +e
  "$@" 2>&1 | tee -a "$log_dir/dotnet.log"
  local status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    echo "== failed .NET tests (repeated from above):" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$log_dir/dotnet.log" | grep -E '^\s+Failed [A-Za-z]' -A8 | grep -vE '^\s+at System\.' >&2 || true
    exit "$status"
  fi
}
dotnet_tests dotnet test VoiceEmotion.sln -c Release --no-build --filter "Category!=Measurement" --logger "console;verbosity=normal" "$@"

# The DSP has a path per vector width (AVX-512, AVX2, portable); the run above tests the one this CPU takes. The DSP and
# feature tests again with AVX-512 and then AVX2 switched off in the runtime test the others on the same machine.
for isa in EnableAVX512F EnableAVX2; do
  echo "== DSP and feature tests with DOTNET_$isa=0"
  dotnet_tests env "DOTNET_$isa=0" dotnet test tests/Pipeline.Tests -c Release --no-build \
    --filter "FullyQualifiedName~Pipeline.Tests.Dsp|FullyQualifiedName~Pipeline.Tests.Features" --logger "console;verbosity=normal"
done

echo "== TypeScript client package: unit tests and tests against the real hub (needs the Release StreamHub built above)"
(cd clients/js && npm test 2>&1 | tee "$log_dir/vitest-client.log")

echo "== end-to-end: real hub + headless Chromium"
(cd clients/web && npm run e2e 2>&1 | tee "$log_dir/e2e.log")

# The README's first command on a fresh copy of the tracked files (no node_modules, no build output): the service
# must come up healthy with the bundled model and serve the page. Counted as one test.
bash scripts/check-run.sh 2>&1 | tee "$log_dir/check-run.log"

# One closing line over every runner (each step above already failed the script on a failing test).
strip() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
passed=$(( $(strip "$log_dir/dotnet.log" | awk '/^ *Passed: +[0-9]+$/ {s += $2} END {print s + 0}') \
         + $(strip "$log_dir/vitest.log" | awk '/^ *Tests +[0-9]+ passed/ {print $2; exit} END {}' | head -1 | grep -o '[0-9]*' || echo 0) \
         + $(strip "$log_dir/vitest-client.log" | awk '/^ *Tests +[0-9]+ passed/ {print $2; exit} END {}' | head -1 | grep -o '[0-9]*' || echo 0) \
         + $(strip "$log_dir/e2e.log" | awk '/^# pass / {print $3}') \
         + $(grep -c '^check-run: passed' "$log_dir/check-run.log" || true) ))
failed=$(( $(strip "$log_dir/dotnet.log" | awk '/^ *Failed: +[0-9]+$/ {s += $2} END {print s + 0}') + $(strip "$log_dir/e2e.log" | awk '/^# fail / {print $3}') ))
skipped=$(( $(strip "$log_dir/dotnet.log" | awk '/^ *Skipped: +[0-9]+$/ {s += $2} END {print s + 0}') \
          + $(cat "$log_dir"/vitest*.log | sed 's/\x1b\[[0-9;]*m//g' | { grep -oE '^ *Tests .*[0-9]+ skipped' || true; } | { grep -oE '[0-9]+ skipped' || true; } | awk '{s += $1} END {print s + 0}') ))
echo "total: $passed passed, $failed failed, $skipped skipped"
# This script installs every dependency a test may skip without (PostgreSQL, redis-server), so a skip means something
# is missing. Beside ../shared/data (as in CI) that fails the run; without it, the speech-data tests skip, saying why.
if [ "$skipped" -gt 0 ]; then
  strip "$log_dir/dotnet.log" | grep -E '^\s*Skipped ' -A1 >&2 || true
  if [ -f ../shared/data/ravdess-speech-16k.zip ]; then
    echo "error: $skipped test(s) skipped although everything they need should be here (reasons above)" >&2
    exit 1
  fi
  echo "warning: $skipped test(s) skipped: ../shared/data is not beside this clone (reasons above)" >&2
fi
