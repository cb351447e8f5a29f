using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Soak;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// A supervisor that watches sessions and then stops reading — its TCP window closed, yet alive (it keeps pinging) —
/// must not hold up the sessions it watches: the server gives up on that connection (after
/// StreamHub:SlowClientSendTimeoutSeconds), not on everyone else.
/// </summary>
public sealed class SlowReaderTests
{
    [Fact]
    public async Task AWatcherThatStopsReadingDoesNotStallTheSessionsItWatches()
    {
        await using var server = await HubServer.StartAsync(o => o.SlowClientSendTimeoutSeconds = 3);
        await using var producer = await server.ConnectAsync("messagepack");
        const int sessions = 12;
        const double seconds = 600;
        var summaries = new Dictionary<string, TaskCompletionSource<SessionSummaryMessage>>();
        var ids = new List<string>();
        for (int i = 0; i < sessions; i++)
        {
            var started = await producer.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "slow-reader-test" });
            ids.Add(started.SessionId);
            summaries[started.SessionId] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        producer.On<SessionSummaryMessage>("SessionSummary", s => summaries[s.SessionId].TrySetResult(s));

        // The stalled supervisor: a 4 KiB receive window, watches every session, then reads nothing but keeps pinging.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(360));
        await using var stalled = await RawHubClient.ConnectAsync(server.HubUrl, cancel.Token, receiveBufferBytes: 4096);
        foreach (var id in ids) await stalled.InvokeAsync("Watch", [id], cancel.Token);
        var pinging = Task.Run(async () =>
        {
            while (!cancel.IsCancellationRequested)
            {
                try { await stalled.PingAsync(cancel.Token); await Task.Delay(1000, cancel.Token); }
                catch (Exception) { return; }
            }
        });

        // Every session streams ten minutes of audio as fast as it can: 14,400 updates, ~7 MB of JSON for the stalled reader,
        // more than the socket buffers between them hold.
        var audio = TestAudio.Encode(TestAudio.Voice(16000, seconds, seed: 11), AudioEncoding.Pcm16Le);
        var streams = ids.Select(id =>
        {
            var channel = Channel.CreateBounded<byte[]>(8);
            var invocation = producer.InvokeAsync("StreamAudio", id, channel.Reader);
            return Task.Run(async () =>
            {
                foreach (var chunk in TestAudio.Chunks(audio, 32000)) await channel.Writer.WriteAsync(chunk);
                channel.Writer.Complete();
                await invocation;
            });
        }).ToList();
        var all = Task.WhenAll(summaries.Values.Select(s => s.Task));
        // Generous: 2 hours of audio analysed on a loaded 2-core CI machine; a stalled reader would hold them forever.
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(300))));
        await Task.WhenAll(streams);
        foreach (var s in await all) Assert.Equal((int)(seconds / 0.5), s.Updates);

        // The server dropped the stalled reader: reading again yields what was already in the socket buffers, then the
        // end of the connection — not the whole backlog.
        stalled.StartReading();
        Assert.Same(stalled.Reading, await Task.WhenAny(stalled.Reading, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.True(stalled.UpdatesReceived < sessions * seconds / 0.5, $"the stalled reader still received all {stalled.UpdatesReceived} updates");
        cancel.Cancel();
        await pinging;
    }
}
