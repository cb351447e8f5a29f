using System.Net;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

/// <summary>Calls, trends and alert rules through the library against the real hub and its log (SQLite): sessions are
/// streamed with an agent and a queue during the test, so every field read back is one the server really filled.</summary>
public sealed class CallsTests : IAsyncLifetime
{
    private HubServer _server = null!;
    private VoiceEmotionRestClient _rest = null!;

    public async Task InitializeAsync()
    {
        _server = await HubServer.StartAsync();
        _rest = new VoiceEmotionRestClient(new VoiceEmotionClientOptions { ServerUrl = _server.Address });
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _server.DisposeAsync();
    }

    private VoiceEmotionClientOptions Hub(HubProtocol protocol) => new() { ServerUrl = _server.HubUrl, Protocol = protocol };

    private static byte[] Voice(double seconds, int seed) => AudioEncodings.Encode(SyntheticVoice.Generate(16000, seconds, seed), AudioEncoding.Pcm16Le);

    [Theory]
    [InlineData(HubProtocol.MessagePack)]
    [InlineData(HubProtocol.Json)]
    public async Task ALiveSessionShowsItsAgentQueueRoleAndHowItIsGoing(HubProtocol protocol)
    {
        await using var caller = await EmotionHubClient.ConnectAsync(Hub(HubProtocol.MessagePack));
        await using var supervisor = await EmotionHubClient.ConnectAsync(Hub(protocol));
        await using var stream = await caller.StartSessionAsync(AudioFormat.Pcm16(16000),
            new SessionOptions { Source = "mic", Label = "desk-7", Agent = "ada", Queue = "billing" });
        // 1.1 s: the update for 1.0 s needs the rest of its last 25 ms frame.
        var pcm = Voice(1.1, seed: 3);
        for (int i = 0; i < pcm.Length; i += 3200) await stream.SendAsync(pcm.AsMemory(i, 3200));
        var updates = new List<EmotionUpdate>();
        await using (var reader = stream.ReadUpdatesAsync().GetAsyncEnumerator())
            while (updates.Count < 2 && await reader.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))) updates.Add(reader.Current);
        Assert.Equal([0.5, 1.0], updates.Select(u => u.AudioTime));
        var last = updates[^1];

        LiveSessionInfo? info = null;
        for (int i = 0; i < 100; i++) // the card follows the update the session sent; poll until it is the last one
        {
            info = Assert.Single(await supervisor.ListSessionsAsync(), s => s.SessionId == stream.SessionId);
            if (info.AudioSeconds >= 1.1 - 1e-9 && info.Emotion == last.Top && info.Confidence == last.Confidence) break;
            await Task.Delay(50);
        }
        Assert.NotNull(info);
        Assert.Equal(CallRoles.Speaker, info.Role);
        Assert.Equal("ada", info.Agent);
        Assert.Equal("billing", info.Queue);
        Assert.Equal("desk-7", info.Label);
        Assert.Null(info.CallId);
        Assert.Equal(1.1, info.AudioSeconds, 3);
        Assert.Equal(last.Top, info.Emotion);
        Assert.Equal(last.Confidence, info.Confidence);
        Assert.Equal(last.Speech, info.Speech);
        Assert.InRange(info.NegativeShare, 0, 1);
        Assert.True(info.Alerts >= 0);
        await stream.CompleteAsync();
    }

    [Fact]
    public async Task CallsAreListedFilteredSortedPagedReadAndDeletedTyped()
    {
        await using var hub = await EmotionHubClient.ConnectAsync(Hub(HubProtocol.MessagePack));
        var longer = await Stream(hub, "ada", 3.0, seed: 1);
        var shorter = await Stream(hub, "bob", 1.5, seed: 2);

        var ended = await Until(async () => await _rest.ListCallsAsync(new CallQuery { Queue = "billing" }), p => p.Total == 2 && p.Items.All(c => c.Status == "ended"));
        Assert.Equal([shorter.SessionId, longer.SessionId], ended.Items.Select(c => c.CallId)); // newest first by default

        var call = Assert.Single((await _rest.ListCallsAsync(new CallQuery { Agent = "ada" })).Items);
        Assert.Equal(longer.SessionId, call.CallId); // a hub session is a call of its own
        Assert.Equal("replay", call.Source);
        Assert.Equal("billing", call.Queue);
        Assert.Equal("desk-ada", call.Label);
        Assert.NotNull(call.EndedAt);
        Assert.Equal(longer.SpeechSeconds, call.SpeechSeconds, 3);
        var track = Assert.Single(call.Tracks);
        Assert.Equal(CallRoles.Speaker, track.Role);
        Assert.Equal(longer.SessionId, track.SessionId);
        Assert.Equal(longer.Updates, track.Summary!.Updates);
        if (call.SpeechSeconds > 0)
        {
            Assert.Equal(1.0, call.Share.Values.Sum(), 3);
            Assert.Equal(longer.Dominant, call.Dominant);
            Assert.NotNull(call.NegativeShare);
        }

        var bySpeech = await _rest.ListCallsAsync(new CallQuery { Queue = "billing", Sort = CallSorts.SpeechSeconds, Limit = 1 });
        Assert.Equal(2, bySpeech.Total);
        var mostSpeech = await _rest.ListCallsAsync(new CallQuery { Queue = "billing", Sort = CallSorts.Descending(CallSorts.SpeechSeconds), Limit = 1 });
        var second = await _rest.ListCallsAsync(new CallQuery { Queue = "billing", Sort = CallSorts.Descending(CallSorts.SpeechSeconds), Limit = 1, Offset = 1 });
        Assert.Equal(Assert.Single(bySpeech.Items).CallId, Assert.Single(second.Items).CallId);
        Assert.NotEqual(mostSpeech.Items[0].CallId, second.Items[0].CallId);
        Assert.True(mostSpeech.Items[0].SpeechSeconds >= second.Items[0].SpeechSeconds);
        Assert.Empty((await _rest.ListCallsAsync(new CallQuery { Queue = "billing", From = DateTimeOffset.UtcNow.AddMinutes(1) })).Items);

        var details = await _rest.GetCallAsync(longer.SessionId);
        Assert.Equal(longer.SessionId, details.Call.CallId);
        Assert.All(details.Alerts, a => Assert.Equal(longer.SessionId, a.SessionId));

        var stats = await _rest.GetStatsAsync(new StatsQuery { GroupBy = "agent", From = DateTimeOffset.UtcNow.AddHours(-1), To = DateTimeOffset.UtcNow.AddMinutes(1) });
        Assert.Equal("agent", stats.GroupBy);
        Assert.Equal("hour", stats.Bucket);
        Assert.Equal(1, stats.Buckets.Where(b => b.Group == "ada").Sum(b => b.Calls));
        Assert.Equal(1, stats.Buckets.Where(b => b.Group == "bob").Sum(b => b.Calls));
        Assert.Equal(longer.SpeechSeconds, stats.Buckets.Where(b => b.Group == "ada").Sum(b => b.SpeechSeconds), 3);
        Assert.All(stats.Buckets, b => Assert.Equal(b.Start, new DateTimeOffset(b.Start.Year, b.Start.Month, b.Start.Day, b.Start.Hour, 0, 0, TimeSpan.Zero)));

        await _rest.DeleteCallAsync(longer.SessionId);
        var gone = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.GetCallAsync(longer.SessionId));
        Assert.Equal(ErrorCodes.NotFound, gone.Code);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.DeleteCallAsync(longer.SessionId))).Code);
        Assert.Equal([shorter.SessionId], (await _rest.ListCallsAsync(new CallQuery { Queue = "billing" })).Items.Select(c => c.CallId));
    }

    [Fact]
    public async Task BadCallAndStatsQueriesAreTypedErrorsNamingTheValue()
    {
        var sort = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.ListCallsAsync(new CallQuery { Sort = "loudness" }));
        Assert.Equal(ErrorCodes.BadQuery, sort.Code);
        Assert.Equal(HttpStatusCode.BadRequest, sort.StatusCode);
        Assert.Contains("loudness", sort.Detail);

        var limit = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.ListCallsAsync(new CallQuery { Limit = 0 }));
        Assert.Equal(ErrorCodes.BadQuery, limit.Code);
        Assert.Contains("limit", limit.Detail);

        var bucket = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.GetStatsAsync(new StatsQuery { Bucket = "week" }));
        Assert.Equal(ErrorCodes.BadQuery, bucket.Code);
        Assert.Contains("week", bucket.Detail);

        var range = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.GetStatsAsync(new StatsQuery { From = DateTimeOffset.UtcNow, To = DateTimeOffset.UtcNow.AddHours(-1) }));
        Assert.Equal(ErrorCodes.BadQuery, range.Code);
        Assert.Contains("before", range.Detail);
    }

    [Fact]
    public async Task AlertRulesAreListedCreatedReplacedAndDeletedTyped()
    {
        var seeded = Assert.Single(await _rest.ListAlertRulesAsync());
        Assert.Equal("angry-sustained", seeded.Name);
        Assert.Equal("angry", seeded.Emotion);
        Assert.Equal("configuration", seeded.UpdatedBy);

        var created = await _rest.CreateAlertRuleAsync(new AlertRuleInput { Name = "vip-anger", Emotion = "angry", Threshold = 0.5, SustainedSeconds = 2, ScopeQueue = "vip" });
        Assert.Equal("vip-anger", created.Name);
        Assert.Equal(0.5, created.Threshold);
        Assert.Equal(2, created.SustainedSeconds);
        Assert.Equal("vip", created.ScopeQueue);
        Assert.Null(created.ScopeLabel);
        Assert.NotNull(created.UpdatedAt);
        Assert.Equal(["angry-sustained", "vip-anger"], (await _rest.ListAlertRulesAsync()).Select(r => r.Name));

        var twice = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.CreateAlertRuleAsync(new AlertRuleInput { Name = "vip-anger", Emotion = "sad", Threshold = 0.5, SustainedSeconds = 2 }));
        Assert.Equal(ErrorCodes.RuleExists, twice.Code);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        var replaced = await _rest.ReplaceAlertRuleAsync("vip-anger", new AlertRuleInput { Emotion = "angry", Threshold = 0.65, SustainedSeconds = 3, ScopeQueue = "vip" });
        Assert.Equal("vip-anger", replaced.Name);
        Assert.Equal(0.65, replaced.Threshold);
        var read = await _rest.GetAlertRuleAsync("vip-anger");
        Assert.Equal(0.65, read.Threshold);
        Assert.Equal(3, read.SustainedSeconds);

        var threshold = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.ReplaceAlertRuleAsync("vip-anger", new AlertRuleInput { Emotion = "angry", Threshold = 1.5, SustainedSeconds = 3 }));
        Assert.Equal(ErrorCodes.BadRule, threshold.Code);
        Assert.Equal(HttpStatusCode.BadRequest, threshold.StatusCode);
        Assert.Contains("threshold", threshold.Detail);
        var emotion = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.CreateAlertRuleAsync(new AlertRuleInput { Name = "x", Emotion = "furious", Threshold = 0.5, SustainedSeconds = 1 }));
        Assert.Equal(ErrorCodes.BadRule, emotion.Code);
        Assert.Contains("furious", emotion.Detail);
        var rename = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.ReplaceAlertRuleAsync("vip-anger", new AlertRuleInput { Name = "other", Emotion = "angry", Threshold = 0.5, SustainedSeconds = 1 }));
        Assert.Equal(ErrorCodes.BadRule, rename.Code);
        Assert.Equal(0.65, (await _rest.GetAlertRuleAsync("vip-anger")).Threshold); // a refused edit changes nothing

        var absent = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.ReplaceAlertRuleAsync("absent", new AlertRuleInput { Emotion = "angry", Threshold = 0.5, SustainedSeconds = 1 }));
        Assert.Equal(ErrorCodes.NotFound, absent.Code);

        await _rest.DeleteAlertRuleAsync("vip-anger");
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.GetAlertRuleAsync("vip-anger"))).Code);
        Assert.Equal(ErrorCodes.NotFound, (await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.DeleteAlertRuleAsync("vip-anger"))).Code);
        Assert.Equal(["angry-sustained"], (await _rest.ListAlertRulesAsync()).Select(r => r.Name));
    }

    private static async Task<SessionSummary> Stream(EmotionHubClient hub, string agent, double seconds, int seed)
    {
        await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(16000),
            new SessionOptions { Source = "replay", Label = "desk-" + agent, Agent = agent, Queue = "billing", BufferUpdates = false });
        return await stream.StreamAsync(new MemoryStream(Voice(seconds, seed)), StreamPacing.AsFastAsPossible);
    }

    /// <summary>The log is written in batches (every 50 ms here): read until the condition holds, at most 10 s.</summary>
    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var value = await read();
        for (int i = 0; i < 200 && !done(value); i++)
        {
            await Task.Delay(50);
            value = await read();
        }
        Assert.True(done(value), "the log did not show it within 10 s");
        return value;
    }
}
