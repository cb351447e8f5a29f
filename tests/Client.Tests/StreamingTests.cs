using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

/// <summary>The library against the real hub on loopback: every owed update and the summary, in both protocols, and the
/// same series the REST analysis of the same file gives.</summary>
public sealed class StreamingTests : IAsyncLifetime
{
    private HubServer _server = null!;
    private readonly Audio _audio = new();

    public async Task InitializeAsync() => _server = await HubServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _audio.Dispose();
    }

    private VoiceEmotionClientOptions Options(HubProtocol protocol) => new() { ServerUrl = _server.Address, Protocol = protocol };

    [Theory]
    [InlineData(HubProtocol.MessagePack)]
    [InlineData(HubProtocol.Json)]
    public async Task CompactUpdatesReachTheCallerAsTheSameUpdates(HubProtocol protocol)
    {
        string path = _audio.Wav($"compact-{protocol}.wav", 16000, 3.2, WavSampleFormat.Pcm16, 1);
        await using var hub = await EmotionHubClient.ConnectAsync(Options(protocol));
        var runs = new List<List<EmotionUpdate>>();
        foreach (bool compact in new[] { false, true })
        {
            await using var wav = await WavAudio.OpenAsync(path);
            await using var stream = await hub.StartSessionAsync(wav.Format, new SessionOptions { CompactUpdates = compact });
            var sending = stream.StreamAsync(wav, StreamPacing.AsFastAsPossible);
            var updates = new List<EmotionUpdate>();
            await foreach (var u in stream.ReadUpdatesAsync()) updates.Add(u);
            Assert.Equal(updates.Count, (await sending).Updates);
            Assert.All(updates, u => Assert.Equal(stream.SessionId, u.SessionId));
            runs.Add(updates);
        }
        Assert.Equal(6, runs[1].Count);
        Assert.Contains(runs[1], u => u.Speech);
        for (int i = 0; i < runs[0].Count; i++)
        {
            var (a, b) = (runs[0][i], runs[1][i]);
            Assert.Equal((a.Seq, a.AudioTime, a.WindowSeconds, a.Speech, a.Top), (b.Seq, b.AudioTime, b.WindowSeconds, b.Speech, b.Top));
            Assert.Equal((a.VoicedFraction, a.Confidence, a.Arousal, a.Valence, a.LoudnessDb, a.PitchHz), (b.VoicedFraction, b.Confidence, b.Arousal, b.Valence, b.LoudnessDb, b.PitchHz));
            Assert.Equal(a.Probabilities.OrderBy(kv => kv.Key), b.Probabilities.OrderBy(kv => kv.Key));
        }
    }

    [Theory]
    [InlineData(HubProtocol.MessagePack, WavSampleFormat.Pcm16, 16000, 1)]
    [InlineData(HubProtocol.Json, WavSampleFormat.Pcm16, 16000, 1)]
    [InlineData(HubProtocol.MessagePack, WavSampleFormat.Pcm24, 22050, 2)] // converted to float32le by the library
    [InlineData(HubProtocol.Json, WavSampleFormat.MuLaw, 8000, 1)]
    public async Task AWavFileStreamsEveryOwedUpdateAndTheSummaryLikeTheRestAnalysis(HubProtocol protocol, WavSampleFormat format, int rate, int channels)
    {
        string path = _audio.Wav($"call-{protocol}-{format}.wav", rate, 3.2, format, channels);
        await using var hub = await EmotionHubClient.ConnectAsync(Options(protocol));
        await using var wav = await WavAudio.OpenAsync(path);
        Assert.Equal(format is WavSampleFormat.Pcm24, wav.Converted);
        await using var stream = await hub.StartSessionAsync(wav.Format, new SessionOptions { Label = "t-1" });
        var sending = stream.StreamAsync(wav, StreamPacing.AsFastAsPossible);
        var updates = new List<EmotionUpdate>();
        await foreach (var u in stream.ReadUpdatesAsync()) updates.Add(u);
        var summary = await sending;

        Assert.Equal(6, updates.Count); // 3.2 s: every whole 0.5 s step
        Assert.Equal(Enumerable.Range(0, 6), updates.Select(u => u.Seq));
        Assert.All(updates, (u, i) => Assert.Equal((i + 1) * 0.5, u.AudioTime, 6));
        Assert.All(updates, u => Assert.Equal(7, u.Probabilities.Count));
        Assert.Contains(updates, u => u.Speech);
        Assert.Equal(stream.SessionId, summary.SessionId);
        Assert.Equal(6, summary.Updates);
        Assert.Equal(3.2, summary.DurationSeconds, 2);
        Assert.Equal(3.2, stream.SecondsSent, 3);

        using var rest = new VoiceEmotionRestClient(Options(protocol));
        var analysed = await rest.AnalyzeFileAsync(path);
        Assert.Equal(updates.Count, analysed.Updates.Count);
        for (int i = 0; i < updates.Count; i++)
        {
            Assert.Equal(analysed.Updates[i].Top, updates[i].Top);
            foreach (var (label, p) in analysed.Updates[i].Probabilities) Assert.Equal(p, updates[i].Probabilities[label], 4);
        }
        Assert.Equal(analysed.Summary.Dominant, summary.Dominant);
    }

    [Fact]
    public async Task RawChunksFromAnAsyncSequenceAndFromAStreamBothWork()
    {
        var pcm = AudioEncodings.Encode(SyntheticVoice.Generate(16000, 2.0, 3), AudioEncoding.Pcm16Le);
        await using var hub = await EmotionHubClient.ConnectAsync(Options(HubProtocol.MessagePack));

        await using var fromStream = await hub.StartSessionAsync(AudioFormat.Pcm16(16000));
        var a = await fromStream.StreamAsync(new MemoryStream(pcm), StreamPacing.AsFastAsPossible with { ChunkDuration = TimeSpan.FromMilliseconds(37) });

        await using var fromChunks = await hub.StartSessionAsync(AudioFormat.Pcm16(16000), new SessionOptions { BufferUpdates = false });
        int seen = 0;
        fromChunks.UpdateReceived += _ => Interlocked.Increment(ref seen);
        var b = await fromChunks.StreamAsync(Chunks(pcm, 4000), StreamPacing.AsFastAsPossible);

        Assert.Equal(4, a.Updates);
        Assert.Equal(4, b.Updates);
        Assert.Equal(4, seen);
        Assert.Equal(a.MeanProbabilities, b.MeanProbabilities); // chunking does not change the updates
        await Assert.ThrowsAsync<InvalidOperationException>(async () => { await foreach (var _ in fromChunks.ReadUpdatesAsync()) { } });
    }

    private static async IAsyncEnumerable<byte[]> Chunks(byte[] bytes, int size)
    {
        for (int i = 0; i < bytes.Length; i += size)
        {
            await Task.Yield();
            yield return bytes[i..Math.Min(bytes.Length, i + size)];
        }
    }

    [Fact]
    public async Task HubErrorsArriveAsTypedExceptionsWithTheirCode()
    {
        await using var hub = await EmotionHubClient.ConnectAsync(Options(HubProtocol.Json));
        var format = await Assert.ThrowsAsync<VoiceEmotionException>(() => hub.StartSessionAsync(new AudioFormat("opus", 16000)));
        Assert.Equal(ErrorCodes.FormatInvalid, format.Code);
        Assert.Contains("opus", format.Detail);

        // The library refuses what the hub would end the session for, before it is sent.
        await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(16000));
        await Assert.ThrowsAsync<ArgumentException>(() => stream.SendAsync(new byte[3]).AsTask());

        var tooLarge = await Assert.ThrowsAsync<VoiceEmotionException>(() =>
            stream.StreamAsync(new MemoryStream(new byte[600_000]), StreamPacing.AsFastAsPossible with { ChunkDuration = TimeSpan.FromSeconds(18) }));
        Assert.Equal(ErrorCodes.ChunkTooLarge, tooLarge.Code);
        Assert.Equal(stream.SessionId, tooLarge.SessionId);
        var summary = await Assert.ThrowsAsync<VoiceEmotionException>(() => stream.Summary);
        Assert.Equal(ErrorCodes.ChunkTooLarge, summary.Code);

        var watch = await Assert.ThrowsAsync<VoiceEmotionException>(() => hub.WatchAsync("0123456789abcdef0123456789abcdef"));
        Assert.Equal(ErrorCodes.NotFound, watch.Code);
    }

    [Fact]
    public async Task ASupervisorWatchesAStreamAndGetsItsUpdatesAndSummary()
    {
        var pcm = AudioEncodings.Encode(SyntheticVoice.Generate(16000, 3.0, 4), AudioEncoding.Pcm16Le);
        await using var caller = await EmotionHubClient.ConnectAsync(Options(HubProtocol.MessagePack));
        await using var supervisor = await EmotionHubClient.ConnectAsync(Options(HubProtocol.Json));
        await using var stream = await caller.StartSessionAsync(AudioFormat.Pcm16(16000), new SessionOptions { Source = "mic", Label = "watched" });

        var live = await supervisor.ListSessionsAsync();
        var info = Assert.Single(live, s => s.SessionId == stream.SessionId);
        Assert.Equal("watched", info.Label);
        await using var watch = await supervisor.WatchAsync(stream.SessionId);
        Assert.Equal("mic", watch.Info.Source);

        var summary = await stream.StreamAsync(new MemoryStream(pcm), StreamPacing.AsFastAsPossible);
        var watched = new List<EmotionUpdate>();
        await foreach (var u in watch.ReadUpdatesAsync()) watched.Add(u);
        var watchedSummary = await watch.Summary;

        Assert.Equal(6, watched.Count);
        Assert.Equal(summary.Updates, watchedSummary.Updates);
        Assert.Equal(summary.Dominant, watchedSummary.Dominant);
    }

    [Fact]
    public async Task ADroppedConnectionFailsTheRunningSessionAsConnectionLost()
    {
        var server = await HubServer.StartAsync();
        await using var hub = await EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = server.HubUrl, Reconnect = ReconnectPolicy.Default });
        var closedOrReconnecting = new TaskCompletionSource();
        hub.Reconnecting += _ => { closedOrReconnecting.TrySetResult(); return Task.CompletedTask; };
        hub.Closed += _ => { closedOrReconnecting.TrySetResult(); return Task.CompletedTask; };
        await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(16000));
        await stream.SendAsync(new byte[3200]);

        await server.DisposeAsync();
        await closedOrReconnecting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var lost = await Assert.ThrowsAsync<VoiceEmotionException>(() => stream.Summary.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(ErrorCodes.ConnectionLost, lost.Code);
        Assert.Equal(0, hub.OpenStreams);
    }
}
