#!/usr/bin/env bash
# perf profile of the StreamHub (or of the replay load client) under the replay load (docs/PERFORMANCE.md, "Stop 52"):
# a fresh Release hub with the bundled model and the SQLite log, with perf maps so JIT-compiled frames are named; one
# discarded run of the load first (JIT, first writes), then the measured run, sampled with `perf record -g` for
# --seconds from its --skip'th second. Prints the shares by library and the top symbols, and the run's report line.
#
#   scripts/profile-load.sh [--mode bundled|single] [--target hub|client] [--streams 2000] [--seconds 15] [--skip 17]
#                           [--wavs DIR] [--out DIR] [--no-build]
#
# Needs perf (Debian: linux-perf) and permission to sample the processes (run as root, or kernel.perf_event_paranoid ≤ 1).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=bundled; target=hub; streams=2000; seconds=15; skip=17; wavs=""; out=""; build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode="$2"; shift 2 ;;
    --target) target="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --skip) skip="$2"; shift 2 ;;
    --wavs) wavs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$mode" in bundled) load=(--streams-per-connection 10 --bundle --batch-updates) ;; single) load=() ;;
  *) echo "--mode is bundled or single" >&2; exit 2 ;; esac
case "$target" in hub|client) ;; *) echo "--target is hub or client" >&2; exit 2 ;; esac
command -v perf >/dev/null || { echo "error: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
out=${out:-$(mktemp -d /tmp/ve-profile.XXXXXX)}
mkdir -p "$out"
. scripts/load-common.sh
ve_recordings "$out"
ve_build "$build"
# Perf maps name the JIT-compiled frames (the hub and the client both inherit them).
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
trap ve_stop_hub EXIT
ve_start_hub profile "$out"
hub=$hub_pid
url=$hub_url
duration=$((skip + seconds + 3))
dotnet "$replay_dll" "$wavs" --hub "$url" --concurrency "$streams" --duration 15 --chunk-ms 250 "${load[@]}" >/dev/null 2>&1
dotnet "$replay_dll" "$wavs" --hub "$url" --concurrency "$streams" --duration "$duration" --warmup 5 --chunk-ms 250 "${load[@]}" \
    --server-pid "$hub" --report "$out/run.json" > "$out/client.log" 2>&1 &
client=$!
sleep "$skip"
pid=$hub; [ "$target" = client ] && pid=$client
perf record -F 499 -g -p "$pid" -o "$out/perf.data" -- sleep "$seconds" 2> "$out/perf.err"
wait $client || true
echo "== $target, $streams streams ($mode), $(date -u +%H:%M) UTC; perf data in $out/perf.data"
perf report -i "$out/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -8 || true
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -30 \
  | sed -E 's/\[System[^]]*\]//g; s/valuetype //g' | cut -c1-160 || true
python3 - "$out/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r['chunkLatencyMs']
print(f"run: p50 {l['p50']} ms, p99 {l['p99']} ms (perf attached), errors {r['errors']}, hub {r['serverCpuPercent']} %, client {r['clientCpuPercent']} %")
PY
