#!/usr/bin/env bash
# The README's run command: the StreamHub with the bundled model (and, once built, the web page) on http://localhost:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project src/StreamHub "$@"
