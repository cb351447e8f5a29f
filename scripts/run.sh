#!/usr/bin/env bash
# The README's run command: builds the web page if needed, then starts the StreamHub with the bundled model on
# http://localhost:5000 (pass --urls http://0.0.0.0:8080 or set ASPNETCORE_URLS to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f src/StreamHub/wwwroot/index.html ] || [ -n "$(find clients/web/src clients/web/index.html clients/js/src -newer src/StreamHub/wwwroot/index.html 2>/dev/null | head -1)" ]; then
  # The page depends on the TypeScript client (clients/js, "file:../js"), whose install builds it with its own
  # TypeScript: install that first, or a fresh clone's npm ci in clients/web finds no tsc.
  echo "building the TypeScript client (clients/js: npm ci && npm run build)"
  (cd clients/js && npm ci --no-audit --no-fund && npm run build)
  echo "building the web page (clients/web: npm ci && npm run build)"
  (cd clients/web && npm ci --no-audit --no-fund && npm run build)
fi
cd src/StreamHub  # the content root: wwwroot (the page) is served from here
exec dotnet run -c Release -- "$@"
