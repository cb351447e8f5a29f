#!/usr/bin/env bash
# The fuzz campaign: 100,000 generated or mutated inputs (or $1) for each parser of outside bytes — WAV reader,
# wire chunk decoders (+ resampler), Twilio Media Streams JSON, AudioSocket frames, multipart upload — against the
# real parsers and the real server on loopback. The test suite runs a short version (500 each) in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-100000}"
dotnet build VoiceEmotion.sln -c Release
VOICEEMOTION_FUZZ_ITERATIONS="$iterations" dotnet test tests/StreamHub.Tests -c Release --no-build \
  --filter "FullyQualifiedName~FuzzCampaignTests" --logger "console;verbosity=detailed"
