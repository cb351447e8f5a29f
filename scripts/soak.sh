#!/usr/bin/env bash
# The soak: the real StreamHub process under many callers (whole calls, abrupt drops, readers that stop reading, Twilio
# calls) for 10 minutes (or --minutes N), with the emotion log's PostgreSQL database cut off for 10 s and the server
# restarted mid-load; then the log is checked directly and memory/handle figures are printed (JSON; --report FILE keeps
# the samples too). Exit code 0 = every check passed. The test suite runs a 90-second version (SoakTests) in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "error: PostgreSQL is needed (apt-get install postgresql, or run scripts/test.sh once)" >&2
  exit 1
fi
source scripts/postgres.sh
dotnet build VoiceEmotion.sln -c Release
dotnet tests/Soak/bin/Release/net10.0/VoiceEmotion.Soak.dll "$@"
