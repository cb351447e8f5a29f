using System.Diagnostics;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

/// <summary>Real-time pacing: each chunk leaves when the audio before it has "played" (× speed), on the pacing clock.</summary>
public sealed class PacingTests : IAsyncLifetime
{
    private HubServer _server = null!;

    public async Task InitializeAsync() => _server = await HubServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.5)]
    public async Task OnAnInjectedClockEveryChunkIsSentExactlyAtItsAudioTimeDividedBySpeed(double speed)
    {
        var clock = new ManualClock();
        await using var hub = await EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = _server.Address });
        await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(16000));
        var sent = new List<ChunkSent>();
        stream.ChunkSent += c => sent.Add(c);
        var pacing = new StreamPacing { Speed = speed, Clock = clock, ChunkDuration = TimeSpan.FromMilliseconds(120) };
        long start = clock.GetTimestamp();
        var summary = await stream.StreamAsync(new MemoryStream(new byte[2 * 16000 * 2]), pacing); // 2 s of silence

        Assert.Equal(17, sent.Count); // 16 chunks of 120 ms and one of 80 ms
        // Never early; late by less than the 1 ms a timer's resolution rounds the wait up by (and that does not add up).
        foreach (var c in sent)
            Assert.InRange(clock.GetElapsedTime(start, c.Timestamp).TotalSeconds, c.AudioSecondsBefore / speed - 1e-9, c.AudioSecondsBefore / speed + 0.001);
        Assert.InRange(clock.GetElapsedTime(start).TotalSeconds, 1.92 / speed - 1e-9, 1.92 / speed + 0.001); // the clock only moved by pacing's waits
        Assert.Equal(4, summary.Updates);
    }

    [Fact]
    public async Task OnTheSystemClockNoChunkLeavesBeforeItsAudioTimeAndNoPacingSendsAtOnce()
    {
        await using var hub = await EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = _server.Address });
        await using var paced = await hub.StartSessionAsync(AudioFormat.Pcm16(16000));
        var sent = new List<ChunkSent>();
        paced.ChunkSent += c => sent.Add(c);
        long start = Stopwatch.GetTimestamp();
        await paced.StreamAsync(new MemoryStream(new byte[16000 * 2]), StreamPacing.RealTime with { Speed = 4 }); // 1 s at 4×
        Assert.Equal(10, sent.Count);
        // A lower bound only: a loaded machine may send late, never early.
        foreach (var c in sent) Assert.True(Stopwatch.GetElapsedTime(start, c.Timestamp).TotalSeconds >= c.AudioSecondsBefore / 4, $"chunk {c.Index} early");

        // Unpaced, the audio sent is not limited by elapsed time: 60 s of audio leaves long before 60 s pass.
        await using var unpaced = await hub.StartSessionAsync(AudioFormat.Pcm16(16000), new SessionOptions { BufferUpdates = false });
        var clock = Stopwatch.StartNew();
        var summary = await unpaced.StreamAsync(new MemoryStream(new byte[60 * 16000 * 2]), StreamPacing.AsFastAsPossible with { ChunkDuration = TimeSpan.FromSeconds(1) });
        Assert.Equal(120, summary.Updates);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{clock.Elapsed}");
    }

    /// <summary>A clock that only moves when pacing waits on it: each timer advances time by its due time and fires.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Timer(this, callback, state, dueTime);

        private sealed class Timer : ITimer
        {
            private readonly ManualClock _clock;
            private readonly TimerCallback _callback;
            private readonly object? _state;

            public Timer(ManualClock clock, TimerCallback callback, object? state, TimeSpan dueTime)
            {
                (_clock, _callback, _state) = (clock, callback, state);
                Change(dueTime, Timeout.InfiniteTimeSpan);
            }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                Interlocked.Add(ref _clock._ticks, dueTime.Ticks);
                ThreadPool.QueueUserWorkItem(_ => _callback(_state));
                return true;
            }

            public void Dispose() { }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
