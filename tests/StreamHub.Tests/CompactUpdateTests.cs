using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// The opt-in compact update (StartSession compact: true) on a real hub with real SignalR clients: the field order of
/// docs/PROTOCOL.md on both protocols, read as untyped arrays; the same values as the map shape; and the map shape stays
/// the default.
/// </summary>
public sealed class CompactUpdateTests : IAsyncLifetime
{
    private HubServer _server = null!;

    public async Task InitializeAsync() => _server = await HubServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Protocols() => new() { "json", "messagepack" };

    /// <summary>One session's events by name, the compact ones as raw arrays (object?[] of primitives).</summary>
    private static async Task<(SessionStarted Started, List<EmotionUpdateMessage> Maps, List<object?[]> Arrays)> StreamAsync(
        HubConnection connection, string protocol, bool? compact, byte[] audio)
    {
        var request = new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "test" };
        if (compact is { } c) request.Compact = c;
        var started = await connection.InvokeAsync<SessionStarted>("StartSession", request);
        var maps = new List<EmotionUpdateMessage>();
        var arrays = new List<object?[]>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = connection.On<EmotionUpdateMessage>("EmotionUpdate", u => { if (u.SessionId == started.SessionId) lock (maps) maps.Add(u); });
        using var b = protocol == "json"
            ? connection.On<JsonElement>("EmotionUpdateCompact", e => { lock (arrays) arrays.Add(FromJson(e)); })
            : connection.On<object?[]>("EmotionUpdateCompact", e => { lock (arrays) arrays.Add(e); });
        using var s = connection.On<SessionSummaryMessage>("SessionSummary", x => { if (x.SessionId == started.SessionId) done.TrySetResult(); });
        var channel = Channel.CreateUnbounded<byte[]>();
        foreach (var chunk in TestAudio.Chunks(audio, 3200)) channel.Writer.TryWrite(chunk);
        channel.Writer.Complete();
        await connection.InvokeAsync("StreamAudio", started.SessionId, channel.Reader);
        Assert.Same(done.Task, await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(30))));
        lock (maps) lock (arrays) return (started, maps.ToList(), arrays.ToList());
    }

    private static object?[] FromJson(JsonElement e) => e.EnumerateArray().Select(x => (object?)(x.ValueKind switch
    {
        JsonValueKind.String => x.GetString(),
        JsonValueKind.Number => x.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => x.EnumerateArray().Select(p => (object?)p.GetDouble()).ToArray(),
        _ => null,
    })).ToArray();

    private static double Number(object? o) => Convert.ToDouble(o, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ACompactSessionGetsArraysInTheDocumentedOrderWithTheMapShapesValues(string protocol)
    {
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 4.0, seed: 5), AudioEncoding.Pcm16Le);
        await using var connection = await _server.ConnectAsync(protocol);
        var (_, maps, none) = await StreamAsync(connection, protocol, null, audio);
        var (started, noMaps, arrays) = await StreamAsync(connection, protocol, true, audio);

        Assert.Empty(none); // the map shape is the default
        Assert.Equal(8, maps.Count);
        Assert.Empty(noMaps);
        Assert.Equal(maps.Count, arrays.Count);
        Assert.Contains(maps, m => m.Speech);
        for (int i = 0; i < maps.Count; i++)
        {
            var m = maps[i];
            var a = arrays[i];
            // Tolerances, not rounding to n places: a JSON float parsed as a double can sit on the other side of a
            // rounding boundary from the map's value (0.405965 vs 0.40596500039 failed "5 places" while 5e-10 apart).
            Assert.Equal(EmotionUpdateCompact.Fields, a.Length);
            Assert.Equal(started.SessionId, a[0]);
            Assert.Equal(m.Seq, (int)Number(a[1]));
            Assert.Equal(m.AudioTime, Number(a[2]), 1e-6);
            Assert.Equal(m.WindowSeconds, Number(a[3]), 1e-6);
            Assert.Equal(m.Speech, a[4]);
            Assert.Equal(m.VoicedFraction, Number(a[5]), 1e-5);
            var p = ((object?[])a[6]!).Select(Number).ToArray();
            Assert.Equal(7, p.Length);
            for (int k = 0; k < p.Length; k++) Assert.Equal(m.Probabilities[started.Labels[k]], p[k], 1e-5);
            int top = (int)Number(a[7]);
            Assert.Equal(m.Top, top < 0 ? null : started.Labels[top]);
            Assert.Equal(m.Confidence, Number(a[8]), 1e-5);
            Assert.Equal(m.Arousal, Number(a[9]), 1e-5);
            Assert.Equal(m.Valence, Number(a[10]), 1e-5);
            Assert.Equal(m.LoudnessDb, Number(a[11]), 1e-4);
            Assert.Equal(m.PitchHz, Number(a[12]), 1e-3);
        }
    }

    [Fact]
    public async Task AWatcherOfACompactSessionStillGetsMaps()
    {
        await using var owner = await _server.ConnectAsync("messagepack");
        await using var supervisor = await _server.ConnectAsync("messagepack");
        var started = await owner.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Compact = true });
        await supervisor.InvokeAsync<LiveSessionInfo>("Watch", started.SessionId);
        var watched = new List<EmotionUpdateMessage>();
        var owned = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var w = supervisor.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (watched) watched.Add(u); });
        using var s = supervisor.On<SessionSummaryMessage>("SessionSummary", _ => done.TrySetResult());
        using var o = owner.On<EmotionUpdateCompact>("EmotionUpdateCompact", _ => Interlocked.Increment(ref owned));
        var channel = Channel.CreateUnbounded<byte[]>();
        foreach (var chunk in TestAudio.Chunks(TestAudio.Encode(TestAudio.Voice(16000, 2.0), AudioEncoding.Pcm16Le), 3200)) channel.Writer.TryWrite(chunk);
        channel.Writer.Complete();
        await owner.InvokeAsync("StreamAudio", started.SessionId, channel.Reader);
        Assert.Same(done.Task, await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(30))));
        // The supervisor's summary and the owner's updates travel on two connections: wait for the owner's (and then a
        // little more, so that a fifth, if one were sent, would be counted).
        await Poll.UntilAsync(() => Volatile.Read(ref owned) >= 4);
        await Task.Delay(100);
        Assert.Equal(4, owned);
        lock (watched) Assert.Equal(4, watched.Count);
    }
}
