using VoiceEmotion.Client;

namespace VoiceEmotion.Replay;

/// <summary>
/// Load mode with <c>--bundle</c>: a connection's calls go out as one <see cref="AudioBundle"/> — one message a chunk
/// period carrying every call's chunk — as a gateway multiplexing many calls would send them, instead of one message per
/// call and chunk. The calls start together and stay in step; each call's latency, updates owed and summary are
/// counted as in <see cref="ReplaySession"/>.
/// </summary>
public static class ReplayBundle
{
    /// <summary>Plays <paramref name="calls"/> (tapes of one sample rate and chunk size) on one connection, paced on
    /// <paramref name="pacer"/>, until <paramref name="stop"/>: then the bundle is completed, not cancelled, and every
    /// call's summary awaited.</summary>
    public static async Task RunAsync(EmotionHubClient hub, IReadOnlyList<ReplaySession> calls, double speed, Pacer pacer, CancellationToken stop)
    {
        var format = AudioFormat.Pcm16(calls[0].Tape.SampleRate);
        AudioBundle bundle;
        try
        {
            bundle = await hub.StartBundleAsync(format, calls.Select(c => c.Options).ToList());
        }
        catch (Exception e)
        {
            foreach (var c in calls) c.Fail(e);
            return;
        }
        await using (bundle)
        {
            for (int i = 0; i < calls.Count; i++) calls[i].Attach(bundle.Sessions[i]);
            var round = new ReadOnlyMemory<byte>[calls.Count];
            var tape = calls[0].Tape;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                for (int n = 0; n < tape.Chunks; n++)
                {
                    if (speed > 0 && n > 0)
                        await pacer.Until(start + (long)(tape.SecondsAfter(n - 1) / speed * System.Diagnostics.Stopwatch.Frequency));
                    if (stop.IsCancellationRequested) break;
                    for (int i = 0; i < calls.Count; i++) round[i] = calls[i].Tape.Chunk(n);
                    await bundle.SendAsync(round);
                }
                foreach (var c in calls) c.AudioEnded();
                await bundle.CompleteAsync();
            }
            catch (Exception)
            {
                // The bundle failed as a whole: every call's summary has the error, read below.
            }
            await Task.WhenAll(calls.Select(c => c.FinishAsync()));
        }
    }
}
