using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// StreamAudioBundle on the wire (a real SignalR client, no client library to check first): a bad chunk ends only its
/// own session; a malformed round ends the bundle with chunk_invalid; a bundle naming a session that is not this
/// connection's is refused before any audio and leaves the named sessions free to stream.
/// </summary>
public sealed class BundleProtocolTests : IAsyncLifetime
{
    private HubServer _server = null!;

    public async Task InitializeAsync() => _server = await HubServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly StartSessionRequest Pcm16 = new() { Encoding = "pcm16le", SampleRate = 16000, Source = "test" };

    private sealed class Events
    {
        public readonly Dictionary<string, int> Updates = [];
        public readonly Dictionary<string, SessionSummaryMessage> Summaries = [];
        public readonly Dictionary<string, SessionErrorMessage> Errors = [];

        public Events(HubConnection c)
        {
            c.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (this) Updates[u.SessionId] = Updates.GetValueOrDefault(u.SessionId) + 1; });
            c.On<SessionSummaryMessage>("SessionSummary", s => { lock (this) Summaries[s.SessionId] = s; });
            c.On<SessionErrorMessage>("SessionError", e => { lock (this) Errors[e.SessionId!] = e; });
        }

        public async Task Ended(params string[] ids)
        {
            for (int i = 0; i < 600; i++)
            {
                lock (this) if (ids.All(id => Summaries.ContainsKey(id) || Errors.ContainsKey(id))) return;
                await Task.Delay(50);
            }
            throw new TimeoutException("sessions did not end");
        }
    }

    private static async Task<string[]> Start(HubConnection c, int n)
    {
        var ids = new string[n];
        for (int i = 0; i < n; i++) ids[i] = (await c.InvokeAsync<SessionStarted>("StartSession", Pcm16)).SessionId;
        return ids;
    }

    [Theory]
    [InlineData("messagepack")]
    [InlineData("json")]
    public async Task ABadChunkEndsOnlyItsOwnSessionAndTheBundleGoesOn(string protocol)
    {
        await using var c = await _server.ConnectAsync(protocol);
        var events = new Events(c);
        var ids = await Start(c, 3);
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 2.0, seed: 2), AudioEncoding.Pcm16Le);
        var rounds = Channel.CreateUnbounded<byte[]?[]>();
        var chunks = TestAudio.Chunks(audio, 3200).ToList();
        for (int r = 0; r < chunks.Count; r++)
            // Session 1 sends 3 bytes (not whole pcm16 frames) in round 4; session 2 an over-long chunk in round 6.
            rounds.Writer.TryWrite([chunks[r], r == 4 ? new byte[3] : chunks[r], r == 6 ? new byte[600 * 1024] : chunks[r]]);
        rounds.Writer.Complete();
        await c.InvokeAsync("StreamAudioBundle", ids, rounds.Reader); // the bundle itself succeeds
        await events.Ended(ids);
        lock (events)
        {
            Assert.Equal(4, events.Summaries[ids[0]].Updates);
            Assert.Equal(4, events.Updates[ids[0]]);
            Assert.Equal(HubError.ChunkInvalid, events.Errors[ids[1]].Code);
            Assert.Contains("3 bytes", events.Errors[ids[1]].Message);
            Assert.Equal(HubError.ChunkTooLarge, events.Errors[ids[2]].Code);
            Assert.False(events.Summaries.ContainsKey(ids[1]) || events.Summaries.ContainsKey(ids[2]));
            Assert.False(events.Errors.ContainsKey(ids[0]));
        }
        Assert.Equal(0, _server.Sessions.Count);
    }

    [Fact]
    public async Task ARoundOfTheWrongLengthEndsTheBundleWithChunkInvalid()
    {
        await using var c = await _server.ConnectAsync("messagepack");
        var events = new Events(c);
        var ids = await Start(c, 2);
        var rounds = Channel.CreateUnbounded<byte[]?[]>();
        rounds.Writer.TryWrite([new byte[3200], null]);
        rounds.Writer.TryWrite([new byte[3200]]);
        rounds.Writer.Complete();
        var refused = await Assert.ThrowsAsync<HubException>(() => c.InvokeAsync("StreamAudioBundle", ids, rounds.Reader));
        Assert.Contains($"{HubError.ChunkInvalid}: ", refused.Message);
        Assert.Contains("2 entries", refused.Message);
        await events.Ended(ids);
        lock (events) Assert.All(ids, id => Assert.Equal(HubError.ChunkInvalid, events.Errors[id].Code));
        Assert.Equal(0, _server.Sessions.Count);
    }

    [Fact]
    public async Task ABundleNamingAnotherConnectionsSessionIsRefusedAndLeavesItsOwnSessionsFree()
    {
        await using var mine = await _server.ConnectAsync("messagepack");
        await using var other = await _server.ConnectAsync("messagepack");
        var events = new Events(mine);
        var ids = await Start(mine, 2);
        var foreign = (await Start(other, 1))[0];
        foreach (var named in new[] { new[] { ids[0], foreign }, [ids[0], "no-such-session"], [ids[0], ids[0]], [] })
        {
            var refused = await Assert.ThrowsAsync<HubException>(() => mine.InvokeAsync("StreamAudioBundle", named, Channel.CreateUnbounded<byte[]?[]>().Reader));
            Assert.Contains((named.Length == 2 && named[1] != named[0] ? HubError.NoSession : HubError.ChunkInvalid) + ": ", refused.Message);
        }
        // Nothing was claimed: both sessions still stream, here as a bundle of their own.
        var rounds = Channel.CreateUnbounded<byte[]?[]>();
        rounds.Writer.TryWrite([new byte[16000], new byte[16000]]);
        rounds.Writer.Complete();
        await mine.InvokeAsync("StreamAudioBundle", ids, rounds.Reader);
        await events.Ended(ids);
        lock (events) Assert.All(ids, id => Assert.Equal(1, events.Summaries[id].Updates));
    }
}
