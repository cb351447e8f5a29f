#!/usr/bin/env bash
# The one test command (README, .ci/run). Installs what the tests need — Debian's chromium and espeak-ng, the npm
# packages, the NuGet packages — then runs every test: xunit (Pipeline, Training, StreamHub), vitest, and the
# end-to-end browser tests against the real hub in headless Chromium.
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

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== web client: npm ci, build, unit tests"
(cd clients/web && npm ci --no-audit --no-fund && npm run build && npm test)

echo "== .NET: restore, build, tests"
dotnet restore VoiceEmotion.sln
dotnet build VoiceEmotion.sln -c Release --no-restore
dotnet test VoiceEmotion.sln -c Release --no-build --logger "console;verbosity=normal" "$@"

echo "== end-to-end: real hub + headless Chromium"
(cd clients/web && npm run e2e)
