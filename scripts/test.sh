#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, then runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is required (dotnet not on PATH)" >&2
  exit 1
fi

dotnet restore VoiceEmotion.sln
dotnet build VoiceEmotion.sln -c Release --no-restore
dotnet test VoiceEmotion.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
