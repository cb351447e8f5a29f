# Sourced by scripts/load-curve.sh and scripts/profile-load.sh (run from the repository root): the recordings, the
# Release builds of the hub and the replay load client, and a fresh hub on a free loopback port with the bundled model
# and a SQLite emotion log of its own.

# Sets `wavs` to 20 RAVDESS clips from ../shared/data/ravdess-speech-16k.zip, unzipped into $1/wavs, unless it is set.
ve_recordings() {
  [ -n "${wavs:-}" ] && return 0
  local zip=../shared/data/ravdess-speech-16k.zip
  [ -f "$zip" ] || { echo "error: no --wavs folder and no $zip" >&2; exit 1; }
  wavs="$1/wavs"
  mkdir -p "$wavs"
  local clips
  mapfile -t clips < <(unzip -Z1 "$zip" | grep '\.wav$' | sort | awk 'NR <= 20')
  unzip -qjo "$zip" "${clips[@]}" -d "$wavs"
}

# Builds both (unless $1 is 0) and sets `hub_dll` and `replay_dll`.
ve_build() {
  if [ "${1:-1}" = 1 ]; then
    nice dotnet build src/StreamHub -c Release -v q -nologo >/dev/null
    nice dotnet build clients/replay -c Release -v q -nologo >/dev/null
  fi
  # VE_HUB_DLL: another build of the hub to run (an A/B of two builds); the content root is still src/StreamHub.
  hub_dll="${VE_HUB_DLL:-$PWD/src/StreamHub/bin/Release/net10.0/VoiceEmotion.StreamHub.dll}"
  replay_dll="$PWD/clients/replay/bin/Release/net10.0/VoiceEmotion.Replay.dll"
}

# Starts a hub named $1 with its files in $2 (calllog-$1.db, hub-$1.log) and waits until it is ready; sets `hub_pid`
# and `hub_url`. The environment the caller exported reaches it.
ve_start_hub() {
  local log="$2/calllog-$1.db" port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -f "$log" "$log-wal" "$log-shm"
  # With --session-per-recording the sessions of a stream follow each other; the limit leaves room for the moment one
  # ends as the next starts.
  # ve_hub_env (an array of NAME=VALUE, set by load-curve.sh --hub-env) reaches the hub's process only, not the client's.
  (cd src/StreamHub && exec env "${ve_hub_env[@]}" dotnet "$hub_dll" --urls "http://127.0.0.1:$port" --CallLog:SqlitePath "$log" \
      --PhoneBridge:AudioSocketPort -1 --StreamHub:MaxConcurrentSessions 10000 --Logging:LogLevel:Default Warning) \
    >"$2/hub-$1.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1 && break
    kill -0 "$hub_pid" 2>/dev/null || { echo "error: the hub exited; see $2/hub-$1.log" >&2; exit 1; }
    sleep 0.5
  done
  hub_url="http://127.0.0.1:$port/hubs/emotion"
}

# Stops the hub started last, if it still runs.
ve_stop_hub() {
  if [ -n "${hub_pid:-}" ] && kill -0 "$hub_pid" 2>/dev/null; then kill -TERM "$hub_pid"; wait "$hub_pid" 2>/dev/null || true; fi
  hub_pid=""
}
