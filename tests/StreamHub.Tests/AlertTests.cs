using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Alerts;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Tests;

public sealed class AlertTests
{
    private static EmotionUpdate Update(int seq, bool speech, float angry)
    {
        var p = new float[EmotionLabels.Count];
        if (speech) { p[EmotionLabels.Angry] = angry; p[EmotionLabels.Neutral] = 1 - angry; }
        return new EmotionUpdate("s", seq, (seq + 1) * 0.5, 3, speech, speech ? 0.5f : 0, p, speech ? "angry" : null, angry, 0, 0, -20, 150);
    }

    [Fact]
    public async Task ARuleFiresOncePerSustainedEpisode()
    {
        var engine = new AlertEngine(Options.Create(new AlertOptions { Rules = [new AlertRule { Name = "angry-2s", Label = "angry", MinProbability = 0.6f, MinSeconds = 2 }] }));
        await using var batcher = new InferenceBatcher(new FixedClassifier());
        var session = new LiveSession("s", null, new SessionPipeline("s", new AudioFormat(AudioEncoding.Pcm16Le, 16000, 1), batcher), "test", null, "CA1", "inbound");
        float[] angry = [0.7f, 0.7f, 0.7f, 0.5f, 0.8f, 0.8f, 0.8f, 0.8f, 0.9f, 0.9f];
        var fired = new List<(int Seq, AlertMessage Alert)>();
        for (int i = 0; i < angry.Length; i++)
            foreach (var a in engine.Observe(session, Update(i, true, angry[i]))) fired.Add((i, a));
        // Silence breaks the run; a new 2 s episode fires again.
        engine.Observe(session, Update(10, false, 0));
        for (int i = 11; i < 15; i++)
            foreach (var a in engine.Observe(session, Update(i, true, 0.95f))) fired.Add((i, a));

        Assert.Equal([7, 14], fired.Select(f => f.Seq).ToArray());
        var first = fired[0].Alert;
        Assert.Equal("angry-2s", first.Rule);
        Assert.Equal(2.0, first.StartTime, 6);          // the run began with update 4's step (2.0–2.5 s)
        Assert.Equal(2.0, first.SustainedSeconds, 6);
        Assert.Equal(0.8, first.MeanProbability, 5);
        Assert.Equal("CA1", first.CallId);
        Assert.Equal(2, engine.Recent.Length);
        await session.Pipeline.DisposeAsync();
    }

    [Fact]
    public async Task SupervisorsSubscribedToAlertsReceiveThemFromLiveSessions()
    {
        // A rule every speech update meets, so the synthetic voice triggers it after 1 s of speech.
        await using var server = await HubServer.StartAsync(configureAlerts: o => o.Rules = [new AlertRule { Name = "any-speech", Label = "neutral", MinProbability = 0f, MinSeconds = 1 }]);
        await using var supervisor = await server.ConnectAsync("json");
        var received = new List<AlertMessage>();
        supervisor.On<AlertMessage>("Alert", a => { lock (received) received.Add(a); });
        var recent = await supervisor.InvokeAsync<List<AlertMessage>>("SubscribeAlerts");
        Assert.Empty(recent);

        await using var caller = await server.ConnectAsync("messagepack");
        var ownerAlerts = new List<AlertMessage>();
        caller.On<AlertMessage>("Alert", a => { lock (ownerAlerts) ownerAlerts.Add(a); });
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 4.0, seed: 8), AudioEncoding.Pcm16Le);
        var (updates, summary, errors, failure) = await HubClient.StreamAsync(caller, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Label = "call-7" }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        Assert.Empty(errors);
        Assert.True(updates.Count(u => u.Speech) >= 2, "the test voice must hold speech");
        // The owner has its alerts before its summary; the supervisor's copies come on another connection: wait for as
        // many as the owner had.
        int owned;
        lock (ownerAlerts) owned = ownerAlerts.Count;
        await Poll.UntilAsync(() => { lock (received) return received.Count > 0 && received.Count >= owned; });
        lock (received)
        {
            Assert.NotEmpty(received);
            Assert.All(received, a => Assert.Equal(summary!.SessionId, a.SessionId));
            Assert.Equal("any-speech", received[0].Rule);
            Assert.True(received[0].SustainedSeconds >= 1);
        }
        lock (ownerAlerts) Assert.Equal(received.Count, ownerAlerts.Count);
        Assert.Equal(received.Count, (await supervisor.InvokeAsync<List<AlertMessage>>("SubscribeAlerts")).Count);
    }

    [Fact]
    public async Task WatchersOfASessionReceiveItsAlertsWithoutSubscribingToAll()
    {
        await using var server = await HubServer.StartAsync(configureAlerts: o => o.Rules = [new AlertRule { Name = "any-speech", Label = "neutral", MinProbability = 0f, MinSeconds = 1 }]);
        await using var caller = await server.ConnectAsync("messagepack");
        await using var watcher = await server.ConnectAsync("json");
        var alerts = new List<AlertMessage>();
        var updates = new List<EmotionUpdateMessage>();
        watcher.On<AlertMessage>("Alert", a => { lock (alerts) alerts.Add(a); });
        watcher.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (updates) updates.Add(u); });
        var started = await caller.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 });
        await watcher.InvokeAsync<LiveSessionInfo>("Watch", started.SessionId);
        var audio = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        foreach (var chunk in TestAudio.Chunks(TestAudio.Encode(TestAudio.Voice(16000, 3.0, seed: 8), AudioEncoding.Pcm16Le), 3200)) audio.Writer.TryWrite(chunk);
        audio.Writer.Complete();
        await caller.InvokeAsync("StreamAudio", started.SessionId, audio.Reader);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        // Watchers are served from the session's own queue, a moment after the owner.
        while (DateTime.UtcNow < deadline) { lock (alerts) lock (updates) if (alerts.Count > 0 && updates.Count >= 6) break; await Task.Delay(20); }
        lock (alerts) Assert.Contains(alerts, a => a.SessionId == started.SessionId && a.Rule == "any-speech");
        lock (updates) Assert.Equal(Enumerable.Range(0, 6), updates.Select(u => u.Seq));
    }

    private sealed class FixedClassifier : IEmotionClassifier
    {
        public int WindowFrames => 0;
        public bool UsesStats => true;
        public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
        {
            for (int b = 0; b < batchSize; b++) probabilities[b * EmotionLabels.Count] = 1;
        }
    }
}
