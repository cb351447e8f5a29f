using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

public sealed class EmotionHubTests : IAsyncLifetime
{
    private HubServer _server = null!;

    public async Task InitializeAsync() => _server = await HubServer.StartAsync(o => o.MaxChunkBytes = 64 * 1024);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Protocols() => new() { "json", "messagepack" };

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task AnUpdateArrivesForEveryHalfSecondOfAudioThenASummary(string protocol)
    {
        await using var connection = await _server.ConnectAsync(protocol);
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 4.0), AudioEncoding.Pcm16Le);
        var (updates, summary, errors, failure) = await HubClient.StreamAsync(connection,
            new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Channels = 1, Source = "test" }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        Assert.Empty(errors);
        Assert.Equal(8, updates.Count);
        Assert.Equal(Enumerable.Range(1, 8).Select(k => k * 0.5), updates.Select(u => Math.Round(u.AudioTime, 3)));
        Assert.Equal(Enumerable.Range(0, 8), updates.Select(u => u.Seq));
        Assert.Contains(updates, u => u.Speech);
        foreach (var u in updates.Where(u => u.Speech))
        {
            Assert.Equal(7, u.Probabilities.Count);
            Assert.Equal(1f, u.Probabilities.Values.Sum(), 3);
            Assert.Equal(u.Probabilities[u.Top!], u.Confidence, 5);
            Assert.InRange(u.Arousal, -1, 1);
            Assert.InRange(u.Valence, -1, 1);
        }
        foreach (var u in updates.Where(u => !u.Speech))
        {
            Assert.Null(u.Top);
            Assert.All(u.Probabilities.Values, p => Assert.Equal(0f, p));
        }
        Assert.NotNull(summary);
        Assert.Equal(4.0, summary.DurationSeconds, 2);
        Assert.Equal(8, summary.Updates);
        Assert.Equal(updates.Count(u => u.Speech) * 0.5, summary.SpeechSeconds, 3);
        Assert.NotNull(summary.Dominant);
        Assert.Equal(1f, summary.Share.Values.Sum(), 3);
    }

    [Fact]
    public async Task ChunkSizeDoesNotChangeTheUpdates()
    {
        await using var connection = await _server.ConnectAsync("messagepack");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 3.0, seed: 7), AudioEncoding.Pcm16Le);
        var format = new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 };
        var runs = new List<List<EmotionUpdateMessage>>();
        foreach (int chunk in new[] { 320, 3200, 32000 })
        {
            var (updates, _, errors, failure) = await HubClient.StreamAsync(connection, format, TestAudio.Chunks(audio, chunk));
            Assert.Null(failure);
            Assert.Empty(errors);
            runs.Add(updates);
        }
        for (int r = 1; r < runs.Count; r++)
        {
            Assert.Equal(runs[0].Count, runs[r].Count);
            for (int i = 0; i < runs[0].Count; i++)
            {
                Assert.Equal(runs[0][i].AudioTime, runs[r][i].AudioTime);
                Assert.Equal(runs[0][i].Top, runs[r][i].Top);
                foreach (var (label, p) in runs[0][i].Probabilities) Assert.Equal(p, runs[r][i].Probabilities[label], 5);
            }
        }
    }

    [Theory]
    [InlineData("mulaw", 8000, 1)]
    [InlineData("alaw", 8000, 1)]
    [InlineData("float32le", 48000, 1)]
    [InlineData("pcm16le", 44100, 2)]
    [InlineData("pcm16le", 47999, 1)] // odd rates: the resampler's interpolated table, time still exact
    [InlineData("float32le", 95999, 2)]
    public async Task OtherEncodingsAndRatesWork(string encoding, int rate, int channels)
    {
        await using var connection = await _server.ConnectAsync("json");
        var mono = TestAudio.Voice(rate, 2.0, seed: 3);
        var interleaved = channels == 1 ? mono : mono.SelectMany(v => new[] { v, v }).ToArray();
        var audio = TestAudio.Encode(interleaved, AudioEncodings.Parse(encoding));
        int frame = AudioEncodings.Parse(encoding).BytesPerSample() * channels;
        var (updates, summary, errors, failure) = await HubClient.StreamAsync(connection,
            new StartSessionRequest { Encoding = encoding, SampleRate = rate, Channels = channels }, TestAudio.Chunks(audio, frame * (rate / 20)));
        Assert.Null(failure);
        Assert.Empty(errors);
        Assert.Equal(4, updates.Count);
        Assert.NotNull(summary);
        Assert.Equal(2.0, summary.DurationSeconds, 1);
    }

    [Fact]
    public async Task BadInputGetsAClearErrorWhileAHealthySessionGoesOn()
    {
        await using var healthy = await _server.ConnectAsync("messagepack");
        await using var hostile = await _server.ConnectAsync("json");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 3.0), AudioEncoding.Pcm16Le);
        var healthyRun = HubClient.StreamAsync(healthy, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 },
            TestAudio.Chunks(audio, 1600), TimeSpan.FromMilliseconds(5));

        async Task<string> Rejected(StartSessionRequest format, IEnumerable<byte[]> chunks)
        {
            var (_, _, errors, failure) = await HubClient.StreamAsync(hostile, format, chunks);
            Assert.NotNull(failure);
            return failure.Message + " | " + string.Join(";", errors.Select(e => e.Code + " " + e.Message));
        }
        var pcm = new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 };
        Assert.Contains("chunk_invalid", await Rejected(pcm, [new byte[320], new byte[321]]));
        Assert.Contains("empty audio chunk", await Rejected(pcm, [Array.Empty<byte>()]));
        Assert.Contains("chunk_too_large", await Rejected(pcm, [new byte[128 * 1024]]));
        var nan = TestAudio.Encode([0.1f, float.NaN, 0.2f, 0.3f], AudioEncoding.Float32Le);
        Assert.Contains("NaN", await Rejected(new StartSessionRequest { Encoding = "float32le", SampleRate = 16000 }, [nan]));

        var badFormat = await Assert.ThrowsAnyAsync<Exception>(() => hostile.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "opus", SampleRate = 16000 }));
        Assert.Contains("format_invalid", badFormat.Message);
        Assert.Contains("opus", badFormat.Message);
        var longQueue = await Assert.ThrowsAnyAsync<Exception>(() => hostile.InvokeAsync<SessionStarted>("StartSession",
            new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Queue = new string('q', 201) }));
        Assert.Contains("format_invalid: queue must be at most 200 characters, was 201", longQueue.Message);
        var badRate = await Assert.ThrowsAnyAsync<Exception>(() => hostile.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 1234 }));
        Assert.Contains("sample rate 1234", badRate.Message);
        var noSession = await Assert.ThrowsAnyAsync<Exception>(() => hostile.InvokeAsync("StreamAudio", "not-a-session", System.Threading.Channels.Channel.CreateUnbounded<byte[]>().Reader));
        Assert.Contains("no_session", noSession.Message);

        var (updates, summary, healthyErrors, healthyFailure) = await healthyRun;
        Assert.Null(healthyFailure);
        Assert.Empty(healthyErrors);
        Assert.Equal(6, updates.Count);
        Assert.NotNull(summary);
    }

    [Fact]
    public async Task ADisconnectMidStreamReleasesTheSession()
    {
        var connection = await _server.ConnectAsync("messagepack");
        var started = await connection.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 });
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        _ = connection.SendAsync("StreamAudio", started.SessionId, channel.Reader);
        await channel.Writer.WriteAsync(new byte[32000]);
        await Poll.UntilAsync(() => _server.Sessions.Count == 1);
        await connection.DisposeAsync();
        await Poll.UntilAsync(() => _server.Sessions.Count == 0);
        Assert.Equal(0, _server.Sessions.Count);
    }

    [Fact]
    public async Task SessionLimitsAreEnforcedWithTheirCodes()
    {
        await using var server = await HubServer.StartAsync(o => { o.MaxStreamsPerConnection = 2; o.MaxConcurrentSessions = 3; });
        await using var first = await server.ConnectAsync("json");
        await using var second = await server.ConnectAsync("json");
        var format = new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 };
        var ending = await first.InvokeAsync<SessionStarted>("StartSession", format);
        await first.InvokeAsync<SessionStarted>("StartSession", format);
        var perConnection = await Assert.ThrowsAnyAsync<Exception>(() => first.InvokeAsync<SessionStarted>("StartSession", format));
        Assert.Contains("too_many_streams", perConnection.Message);
        await second.InvokeAsync<SessionStarted>("StartSession", format);
        var global = await Assert.ThrowsAnyAsync<Exception>(() => second.InvokeAsync<SessionStarted>("StartSession", format));
        Assert.Contains("too_many_sessions", global.Message);
        Assert.Equal(3, server.Sessions.Count);

        // A session that ends gives its places back, on its connection and on the server.
        await first.SendAsync("StreamAudio", ending.SessionId, NoAudio());
        await Poll.UntilAsync(() => server.Sessions.Count == 2);
        Assert.Equal(2, server.Sessions.Count);
        await first.InvokeAsync<SessionStarted>("StartSession", format);
        Assert.Equal(3, server.Sessions.Count);
        var full = await Assert.ThrowsAnyAsync<Exception>(() => first.InvokeAsync<SessionStarted>("StartSession", format));
        Assert.Contains("too_many_sessions", full.Message);
    }

    private static async IAsyncEnumerable<byte[]> NoAudio()
    {
        await Task.CompletedTask;
        yield break;
    }

}
