using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Batched updates (StartSession <c>batch</c>): the outbox on its own — every update sent once, in order per session,
/// each send complete only once its batch is out, nothing left behind — and on a real hub, where a bundle's sessions
/// get exactly their updates, several to a message.
/// </summary>
public sealed class UpdateOutboxTests
{
    private static EmotionUpdateCompact Update(string session, int seq) =>
        new(session, seq, (seq + 1) * 0.5, 3, true, 1, new float[7], 0, 1, 0, 0, -20, 150);

    [Fact]
    public async Task EveryUpdateGoesOutOnceInOrderAndItsSendEndsWithItsBatch()
    {
        var outboxes = new UpdateOutboxes();
        var batches = new List<EmotionUpdateCompact[]>();
        var gate = new SemaphoreSlim(0);
        async Task Send(EmotionUpdateCompact[] batch)
        {
            lock (batches) batches.Add(batch);
            await gate.WaitAsync(); // the "connection" takes its time: later updates gather meanwhile
        }
        var sessions = Enumerable.Range(0, 8).Select(i => $"s{i}").ToArray();
        var sends = new List<Task>[sessions.Length];
        var forwarders = sessions.Select((id, i) => Task.Run(async () =>
        {
            sends[i] = [];
            for (int seq = 0; seq < 20; seq++)
            {
                var sent = outboxes.SendAsync("conn", Update(id, seq), Send);
                sends[i].Add(sent);
                if (seq % 5 == 4) await sent; // a forwarder awaits its send, as the hub's does
            }
        })).ToList();
        // Release the sender as batches come, until every forwarder is done.
        while (!Task.WhenAll(forwarders).IsCompleted)
        {
            gate.Release();
            await Task.Delay(2);
        }
        gate.Release(1000);
        await Task.WhenAll(sends.SelectMany(s => s));
        lock (batches)
        {
            var all = batches.SelectMany(b => b).ToList();
            Assert.Equal(8 * 20, all.Count);
            foreach (var id in sessions) Assert.Equal(Enumerable.Range(0, 20), all.Where(u => u.SessionId == id).Select(u => u.Seq));
            Assert.True(batches.Count < all.Count, $"{batches.Count} messages for {all.Count} updates: none shared a message");
        }
        for (int i = 0; i < 3000 && outboxes.Count > 0; i++) await Task.Delay(10);
        Assert.Equal(0, outboxes.Count); // an idle connection keeps no outbox
    }

    [Fact]
    public async Task AnUpdatesSendIsNotCompleteBeforeItsBatchWasSent()
    {
        var outboxes = new UpdateOutboxes();
        var release = new TaskCompletionSource();
        var first = outboxes.SendAsync("conn", Update("a", 0), _ => release.Task);
        await Task.Delay(50);
        Assert.False(first.IsCompleted);
        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("messagepack")]
    [InlineData("json")]
    public async Task ABundlesBatchedSessionsGetTheirUpdatesSeveralToAMessage(string protocol)
    {
        await using var server = await HubServer.StartAsync();
        await using var c = await server.ConnectAsync(protocol);
        var single = new List<EmotionUpdateCompact>();
        var batches = new List<EmotionUpdateCompact[]>();
        var summaries = 0;
        c.On<EmotionUpdateCompact>("EmotionUpdateCompact", u => { lock (single) single.Add(u); });
        c.On<EmotionUpdateCompact[]>("EmotionUpdateBatch", b => { lock (batches) batches.Add(b); });
        c.On<SessionSummaryMessage>("SessionSummary", _ => Interlocked.Increment(ref summaries));
        var ids = new string[8];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = (await c.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Batch = true })).SessionId;
        var audio = ids.Select((_, i) => TestAudio.Encode(TestAudio.Voice(16000, 4.0, seed: 10 + i), AudioEncoding.Pcm16Le)).ToArray();
        var rounds = Channel.CreateUnbounded<byte[]?[]>();
        for (int at = 0; at < audio[0].Length; at += 16000)
            rounds.Writer.TryWrite([.. audio.Select(a => a[at..Math.Min(a.Length, at + 16000)])]);
        rounds.Writer.Complete();
        await c.InvokeAsync("StreamAudioBundle", ids, rounds.Reader);
        for (int i = 0; i < 200 && Volatile.Read(ref summaries) < ids.Length; i++) await Task.Delay(50);
        Assert.Equal(ids.Length, summaries);
        Assert.Empty(single); // batched sessions' updates come only in batches
        lock (batches)
        {
            var all = batches.SelectMany(b => b).ToList();
            foreach (var id in ids) Assert.Equal(Enumerable.Range(0, 8), all.Where(u => u.SessionId == id).Select(u => u.Seq));
            Assert.Contains(all, u => u.Speech);
            Assert.True(batches.Count < all.Count, $"{batches.Count} messages for {all.Count} updates: none shared a message");
        }
    }
}
