#!/usr/bin/env bash
# The scaling curve (docs/PERFORMANCE.md, issue #14): the real StreamHub (Release, bundled model, SQLite emotion log on)
# and the replay load client on this machine, for each stream count and each mode — one stream per connection, and
# multiplexed (10 per connection), and (--modes bundled) 10 per connection in one audio stream (StreamAudioBundle)
# with their updates batched (StartSession batch) —
# several runs each; prints a markdown table: medians of the runs, errors and updates
# summed over them. Each stream count and mode gets a fresh hub, warmed by one discarded run at that load (JIT, first
# SQLite writes: a cold server's first seconds are not its capacity), and each measured run is preceded, in the load
# client's own process, by --client-warmup seconds of the same load (default 5; its calls end before the run's start),
# so the client's JIT is not in the measured latencies. CPU % is of one core over each run's steady part
# (after its first quarter, until the sending stops); server MiB is the resident memory with all sessions open, and
# MiB/session is (that − the fresh hub's idle memory) ÷ streams.
# Each stream is a call: one session for the whole run, playing the recordings back to back with 0.4 s of silence
# between them, as a phone call lasts minutes. --session-per-recording replays the old load instead: each ~3.5 s
# recording a session of its own (a session start, summary and log row every few seconds per stream).
#
#   scripts/load-curve.sh [--streams "250 500 1000 1500 2000"] [--modes "single multiplexed bundled"] [--runs 3]
#                         [--duration 45] [--warmup 15] [--wavs DIR] [--no-build] [--out DIR] [--session-per-recording]
#                         [--chunk-ms 100] [--client-warmup 5] [--start-spread-ms MS] [--hub-env "NAME=VALUE ..."]
#
# --hub-env sets environment variables for the hub's process only (runtime switches to A/B, e.g.
# DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1); the load client runs with the caller's environment.
#
# --chunk-ms sets how much audio each chunk message carries (the replay client's default is 100 ms). Updates fall on the
# audio clock whatever the chunking; larger chunks mean fewer SignalR messages per stream and second on both sides.
# --start-spread-ms passes on to the client: each connection's (bundle's) or stream's start is delayed by a uniform draw
# from [0, MS), which sets the phase of its updates (every 500 ms of its audio). The client's default spreads them over
# the larger of the chunk and update periods (any phase, as independent calls); before stop 47 it was one chunk period
# (--start-spread-ms 250 with 250 ms chunks: every call's windows due in one half of each half second); 0 = in step.
#
# Recordings: --wavs DIR (16 kHz wavs), or 20 RAVDESS clips from ../shared/data/ravdess-speech-16k.zip.
# Smoke: scripts/load-curve.sh --streams 100 --duration 20 --runs 1
set -euo pipefail
cd "$(dirname "$0")/.."

streams="250 500 1000 1500 2000"
modes="single multiplexed"
runs=3
duration=45
warmup=15
wavs=""
build=1
out=""
sessions=()
chunk_ms=100
client_warmup=5
spread=()
ve_hub_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) streams="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --wavs) wavs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out="$2"; shift 2 ;;
    --session-per-recording) sessions=(--session-per-recording); shift ;;
    --chunk-ms) chunk_ms="$2"; shift 2 ;;
    --client-warmup) client_warmup="$2"; shift 2 ;;
    --start-spread-ms) spread=(--start-spread-ms "$2"); shift 2 ;;
    --hub-env) read -r -a ve_hub_env <<<"$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "error: jq is needed to read the reports" >&2; exit 1; }

work=$(mktemp -d /tmp/ve-load-curve.XXXXXX)
out=${out:-$work}
mkdir -p "$out"
. scripts/load-common.sh
hub_pid=""
trap ve_stop_hub EXIT
ve_recordings "$work"
ve_build "$build"

start_hub() {
  ve_start_hub "$1" "$work"
  idle_mib=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$hub_pid/status")
}

rows=()
for n in $streams; do
  for mode in $modes; do
    case "$mode" in
      single) per=1 ;;
      multiplexed) per=10 ;;
      bundled) per=10 ;;
      *) echo "unknown mode $mode (single|multiplexed|bundled)" >&2; exit 2 ;;
    esac
    bundle=()
    [ "$mode" = bundled ] && bundle=(--bundle --batch-updates)
    start_hub "$n-$mode"
    if [ "$warmup" -gt 0 ]; then
      echo "== $n streams, $mode: warm-up run ($warmup s, discarded)" >&2
      dotnet "$replay_dll" "$wavs" --hub "$hub_url" --concurrency "$n" --duration "$warmup" \
        --streams-per-connection "$per" --chunk-ms "$chunk_ms" "${sessions[@]}" "${bundle[@]}" "${spread[@]}" >/dev/null 2>"$work/replay-$n-$mode-warmup.err" || true
    fi
    reports=()
    for r in $(seq 1 "$runs"); do
      report="$out/load-$n-$mode-$r.json"
      echo "== $n streams, $mode, run $r/$runs ($duration s)" >&2
      dotnet "$replay_dll" "$wavs" --hub "$hub_url" --concurrency "$n" --duration "$duration" --warmup "$client_warmup" \
        --streams-per-connection "$per" --chunk-ms "$chunk_ms" "${sessions[@]}" "${bundle[@]}" "${spread[@]}" --report "$report" --server-pid "$hub_pid" >/dev/null 2>"$work/replay-$n-$mode-$r.err" || true
      tail -1 "$work/replay-$n-$mode-$r.err" >&2
      reports+=("$report")
    done
    ve_stop_hub
    rows+=("$(jq -rs --argjson idle "$idle_mib" '
      def med(f): (map(f) | map(select(. != null)) | sort) as $v
        | if ($v | length) == 0 then "–" else $v[(($v | length) - 1) / 2 | floor] end;
      def r1: if type == "number" then (. * 10 | round / 10) else . end;
      "| \(.[0].streams) | \(.[0].mode) | \(med(.latencyMs.p50) | r1) | \(med(.latencyMs.p99) | r1) | \(med(.chunkLatencyMs.p99) | r1) | \(map(.errors) | add) | \(map(.updatesReceived) | add)/\(map(.updatesExpected) | add) | \(med(.serverCpuPercent) | r1) | \(med(.clientCpuPercent) | r1) | \(med(.serverMemoryMiB.loaded) | r1) | \(med(.serverMemoryMiB.loaded) as $m | if $m == "–" then "–" else (($m - $idle) / .[0].streams * 1000 | round / 1000) end) |"
      ' "${reports[@]}")")
  done
done

echo
echo "Median of $runs run(s) of $duration s on a hub warmed by a $warmup s run (errors and updates summed over the runs);" \
  "$([ ${#sessions[@]} -gt 0 ] && echo "a session per recording" || echo "each stream one call"), $chunk_ms ms chunks; reports in $out"
echo
echo "| streams | mode | p50 ms | p99 ms | p99 ms, chunk-released | errors | received/owed | server CPU % | client CPU % | server MiB | MiB/session |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
