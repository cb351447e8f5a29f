using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>/api/calls, /api/stats and /api/alert-rules on SQLite (a temporary file per server).</summary>
public sealed class CallsApiSqliteTests : CallsApiTests
{
    protected override string? Postgres => null;
}

/// <summary>The same tests on a real PostgreSQL server (scripts/postgres.sh), a database of its own per test.</summary>
public sealed class CallsApiPostgresTests : CallsApiTests, IAsyncLifetime
{
    private TemporaryPostgres? _database;

    protected override string? Postgres => _database?.ConnectionString ?? throw new SkipException(TemporaryPostgres.Missing);

    public async Task InitializeAsync() => _database = await TemporaryPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    [SkippableFact]
    public async Task ARuleEditedOnOneNodeIsInForceOnAnotherSharingTheLog()
    {
        var settings = (string node) => new Dictionary<string, string?> { ["Alerts:RulesRefreshSeconds"] = "0.2", ["ScaleOut:NodeName"] = node };
        await using var a = await HubServer.StartAsync(postgres: Postgres, settings: settings("hub-a"),
            configureAlerts: o => o.Rules = [new Alerts.AlertRule { Name = "watch", Label = "neutral", MinProbability = 1f, MinSeconds = 3600 }]);
        await using var b = await HubServer.StartAsync(postgres: Postgres, settings: settings("hub-b"));
        using var http = a.Http();
        using (var put = await http.PutAsJsonAsync("/api/alert-rules/watch", new { emotion = "neutral", threshold = 0.0, sustainedSeconds = 1 }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        // Node b re-reads the shared table on its own.
        var book = b.Services.GetRequiredService<Alerts.AlertRuleBook>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && book.Current.Rules.Single().Rule.Threshold != 0; await Task.Delay(50)) { }
        Assert.Equal(0, book.Current.Rules.Single().Rule.Threshold);
        await using var connection = await b.ConnectAsync("json");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 3.0, seed: 5), AudioEncoding.Pcm16Le);
        var (_, summary, _, failure) = await HubClient.StreamAsync(connection, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        using var httpB = b.Http();
        var alerts = (await LogApi.WaitEndedAsync(httpB, summary!.SessionId)).GetProperty("alerts").EnumerateArray();
        Assert.Equal("watch", Assert.Single(alerts).GetProperty("rule").GetString());
    }
}

/// <summary>
/// Calls (sessions grouped by call, from real phone calls placed during the test), trends and alert rules, over the
/// REST API of a real hub, on either database.
/// </summary>
public abstract class CallsApiTests
{
    /// <summary>The PostgreSQL connection string, or null for SQLite.</summary>
    protected abstract string? Postgres { get; }

    private const string Alice = "alice-client-key-0001", Bob = "bob-client-key-00002", Sup = "supervisor-key-000003", Adm = "admin-key-00000000004";

    private static readonly Dictionary<string, string?> Keys = new()
    {
        ["Auth:ApiKeys:0:Name"] = "alice", ["Auth:ApiKeys:0:Key"] = Alice, ["Auth:ApiKeys:0:Roles:0"] = "client",
        ["Auth:ApiKeys:1:Name"] = "bob", ["Auth:ApiKeys:1:Key"] = Bob, ["Auth:ApiKeys:1:Roles:0"] = "client",
        ["Auth:ApiKeys:2:Name"] = "sup", ["Auth:ApiKeys:2:Key"] = Sup, ["Auth:ApiKeys:2:Roles:0"] = "supervisor",
        ["Auth:ApiKeys:3:Name"] = "adm", ["Auth:ApiKeys:3:Key"] = Adm, ["Auth:ApiKeys:3:Roles:0"] = "admin",
    };

    private Task<HubServer> StartAsync(IDictionary<string, string?>? settings = null, Action<Alerts.AlertOptions>? alerts = null) =>
        HubServer.StartAsync(postgres: Postgres, settings: settings, configureAlerts: alerts);

    private static async Task<JsonElement> GetJson(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient http, string path, Func<JsonElement, bool> done)
    {
        JsonElement last = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
            if (done(last = await GetJson(http, path))) return last;
        throw new TimeoutException($"GET {path} never became what the test waits for; last: {last}");
    }

    private static async Task<(string SessionId, int Updates)> StreamAsync(HubServer server, StartSessionRequest request, double seconds, int seed, string? key = null)
    {
        await using var connection = await server.ConnectAsync("messagepack", key);
        request.Encoding = "pcm16le";
        request.SampleRate = 16000;
        var audio = TestAudio.Encode(TestAudio.Voice(16000, seconds, seed), AudioEncoding.Pcm16Le);
        var (updates, summary, errors, failure) = await HubClient.StreamAsync(connection, request, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        Assert.Empty(errors);
        return (summary!.SessionId, updates.Count);
    }

    [SkippableFact]
    public async Task ATwilioCallsTracksAnAudioSocketCallAndAMicSessionAreThreeCallsWithRolesFiltersAndPaging()
    {
        await using var server = await StartAsync();
        using var http = server.Http();
        await using var supervisor = await server.ConnectAsync("json");
        string callSid = "CA" + Guid.NewGuid().ToString("N");
        List<LiveSessionInfo> live = [];
        await PhoneCalls.TwilioAsync(server, callSid, new() { ["agent"] = "ann", ["queue"] = "billing" }, 3.0, beforeStop: async () =>
        {
            // While the call is live the hub lists both lanes with role, agent, queue and how each is going.
            for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
            {
                live = (await supervisor.InvokeAsync<List<LiveSessionInfo>>("ListSessions")).Where(s => s.CallId == callSid).ToList();
                if (live.Count == 2 && live.All(s => s.AudioSeconds >= 2.5 && s.Emotion is not null)) break;
            }
        });
        Assert.Equal(["agent", "caller"], live.Select(s => s.Role!).Order());
        Assert.All(live, s => Assert.Equal(("ann", "billing"), (s.Agent, s.Queue)));
        Assert.All(live, s => Assert.True(s.Emotion is not null && s.Confidence > 0 && s.Speech, $"live {s.Role} lane has no current emotion: {s}"));
        Assert.Equal("caller", live.Single(s => s.Track == "inbound").Role);

        var uuid = Guid.NewGuid();
        await PhoneCalls.AudioSocketAsync(server, uuid, 2.0);
        var (micId, micUpdates) = await StreamAsync(server, new StartSessionRequest { Source = "mic", Label = "desk-7", Agent = "bo", Queue = "sales" }, 2.0, seed: 3);
        Assert.Equal(4, micUpdates);

        var page = await WaitForAsync(http, "/api/calls", p => p.GetProperty("total").GetInt32() == 3
            && p.GetProperty("items").EnumerateArray().All(c => c.GetProperty("status").GetString() == "ended"));
        var calls = page.GetProperty("items").EnumerateArray().ToDictionary(c => c.GetProperty("callId").GetString()!);

        var twilio = calls[callSid];
        Assert.Equal("twilio", twilio.GetProperty("source").GetString());
        Assert.Equal(("ann", "billing"), (twilio.GetProperty("agent").GetString(), twilio.GetProperty("queue").GetString()));
        var tracks = twilio.GetProperty("tracks").EnumerateArray().ToList();
        Assert.Equal(["caller", "agent"], tracks.Select(t => t.GetProperty("role").GetString()));
        Assert.Equal(["inbound", "outbound"], tracks.Select(t => t.GetProperty("track").GetString()));
        Assert.All(tracks, t => Assert.Equal(6, t.GetProperty("summary").GetProperty("updates").GetInt32()));
        AssertCallAddsUpItsTracks(twilio);
        Assert.Equal(JsonValueKind.String, twilio.GetProperty("endedAt").ValueKind);

        var audioSocket = calls[uuid.ToString()];
        Assert.Equal("audiosocket", audioSocket.GetProperty("source").GetString());
        Assert.Equal("caller", Assert.Single(audioSocket.GetProperty("tracks").EnumerateArray()).GetProperty("role").GetString());
        AssertCallAddsUpItsTracks(audioSocket);

        // A mic session is a call of its own, named by its session id.
        var mic = calls[micId];
        var micTrack = Assert.Single(mic.GetProperty("tracks").EnumerateArray());
        Assert.Equal((micId, "speaker"), (micTrack.GetProperty("sessionId").GetString(), micTrack.GetProperty("role").GetString()));
        Assert.Equal(("desk-7", "bo", "sales"), (mic.GetProperty("label").GetString(), mic.GetProperty("agent").GetString(), mic.GetProperty("queue").GetString()));

        // The session view knows the call's role, agent and queue too.
        var micSession = await GetJson(http, $"/api/sessions/{micId}");
        Assert.Equal(("speaker", "bo", "sales"), (micSession.GetProperty("session").GetProperty("role").GetString(),
            micSession.GetProperty("session").GetProperty("agent").GetString(), micSession.GetProperty("session").GetProperty("queue").GetString()));

        // Filters, each narrowing to the one call it names.
        foreach (var (query, expected) in new[]
                 {
                     ("agent=ann", callSid), ("queue=billing", callSid), ("source=twilio", callSid), ("source=audiosocket", uuid.ToString()),
                     ("label=desk-7", micId), ("agent=bo&queue=sales", micId), ("label=agent%3Dann%3Bqueue%3Dbilling", callSid),
                 })
        {
            var filtered = await GetJson(http, "/api/calls?" + query);
            Assert.True(filtered.GetProperty("total").GetInt32() == 1, $"{query}: {filtered}");
            Assert.Equal(expected, filtered.GetProperty("items")[0].GetProperty("callId").GetString());
        }
        Assert.Equal(0, (await GetJson(http, "/api/calls?queue=nobody")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await GetJson(http, $"/api/calls?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}")).GetProperty("total").GetInt32());
        Assert.Equal(3, (await GetJson(http, "/api/calls?minNegativeShare=0")).GetProperty("total").GetInt32());
        var dominant = twilio.GetProperty("dominant").GetString()!;
        Assert.Contains(callSid, (await GetJson(http, $"/api/calls?dominant={dominant}")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()));

        // Paging: newest first by default; the pages together are the whole list, in order.
        var all = (await GetJson(http, "/api/calls")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()).ToList();
        Assert.Equal([micId, uuid.ToString(), callSid], all);
        var paged = new List<string?>();
        for (int offset = 0; offset < 3; offset++)
        {
            var p = await GetJson(http, $"/api/calls?limit=1&offset={offset}");
            Assert.Equal(3, p.GetProperty("total").GetInt32());
            paged.Add(Assert.Single(p.GetProperty("items").EnumerateArray()).GetProperty("callId").GetString());
        }
        Assert.Equal(all, paged);
        Assert.Equal(all.AsEnumerable().Reverse(), (await GetJson(http, "/api/calls?sort=startedAt")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()));
        var bySpeech = (await GetJson(http, "/api/calls?sort=-speechSeconds")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("speechSeconds").GetDouble()).ToList();
        Assert.Equal(bySpeech.OrderDescending(), bySpeech);

        // One call: tracks and alerts; an unknown one is 404 in the error body of every endpoint.
        var details = await GetJson(http, $"/api/calls/{callSid}");
        Assert.Equal(2, details.GetProperty("call").GetProperty("tracks").GetArrayLength());
        Assert.Equal(JsonValueKind.Array, details.GetProperty("alerts").ValueKind);
        using var missing = await http.GetAsync("/api/calls/CA-nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // Deleting one track re-adds the call up from what is left; deleting the call removes every track.
        using (var deleted = await http.DeleteAsync($"/api/sessions/{tracks[1].GetProperty("sessionId").GetString()}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var afterDelete = (await GetJson(http, $"/api/calls/{callSid}")).GetProperty("call");
        Assert.Equal(["caller"], afterDelete.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("role").GetString()));
        AssertCallAddsUpItsTracks(afterDelete);
        using (var deleted = await http.DeleteAsync($"/api/calls/{callSid}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await http.GetAsync($"/api/sessions/{tracks[0].GetProperty("sessionId").GetString()}")) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(2, (await GetJson(http, "/api/calls")).GetProperty("total").GetInt32());
    }

    /// <summary>A call's speech, shares, dominant and negative share are its tracks' summaries added up by speech time.</summary>
    private static void AssertCallAddsUpItsTracks(JsonElement call)
    {
        var summaries = call.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("summary")).ToList();
        double speech = summaries.Sum(s => s.GetProperty("speechSeconds").GetDouble());
        Assert.True(speech > 0, "the test voice must hold speech");
        Assert.Equal(speech, call.GetProperty("speechSeconds").GetDouble(), 6);
        var share = call.GetProperty("share");
        foreach (var label in Pipeline.Inference.EmotionLabels.All)
        {
            double expected = summaries.Sum(s => s.GetProperty("speechSeconds").GetDouble() * s.GetProperty("share").GetProperty(label).GetDouble()) / speech;
            Assert.Equal(expected, share.GetProperty(label).GetDouble(), 5);
        }
        Assert.Equal(share.EnumerateObject().MaxBy(p => p.Value.GetDouble()).Name, call.GetProperty("dominant").GetString());
        double negative = new[] { "sad", "angry", "fearful", "disgust" }.Sum(l => share.GetProperty(l).GetDouble());
        Assert.Equal(negative, call.GetProperty("negativeShare").GetDouble(), 5);
        Assert.Equal(share.GetProperty("angry").GetDouble(), call.GetProperty("angryShare").GetDouble(), 5);
    }

    public static TheoryData<string, string> BadQueries() => new()
    {
        { "/api/calls?limit=0", "limit" }, { "/api/calls?limit=abc", "limit" }, { "/api/calls?limit=1001", "limit" },
        { "/api/calls?offset=-1", "offset" }, { "/api/calls?minNegativeShare=1.5", "minNegativeShare" },
        { "/api/calls?minAngryShare=x", "minAngryShare" }, { "/api/calls?dominant=furious", "dominant" },
        { "/api/calls?sort=loudness", "sort" }, { "/api/calls?from=yesterday", "yesterday" },
        { "/api/calls?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "after" },
        { "/api/stats?bucket=week", "bucket" }, { "/api/stats?groupBy=owner", "groupBy" },
        { "/api/stats?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "before" },
        { "/api/stats?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=hour", "10000" }, { "/api/stats?to=never", "never" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadQueries))]
    public async Task BadParametersAreA400NamingTheProblem(string path, string named)
    {
        await using var server = await StartAsync();
        using var http = server.Http();
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bad_query", error.GetProperty("error").GetString());
        Assert.Contains(named, error.GetProperty("message").GetString());
    }

    [SkippableFact]
    public async Task StatsBucketsAddUpKnownCallsAndAlertsByHourDayAndGroup()
    {
        await using var server = await StartAsync();
        var log = server.Services.GetRequiredService<SqlCallLog>();
        var day = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        float[] Share(params (int Label, float Value)[] values)
        {
            var s = new float[7];
            foreach (var (label, value) in values) s[label] = value;
            return s;
        }
        void Track(string id, string call, string source, string? track, string queue, string agent, DateTimeOffset at, double speech, float[] share)
        {
            log.Write([
                new LogItem.Started(new SessionRecord(id, source, null, call == id ? null : call, track, at, Agent: agent, Queue: queue)),
                new LogItem.Ended(new SessionSummary(id, speech + 5, speech, (int)(speech * 2), null, share, share), at.AddSeconds(speech + 5)),
            ]);
        }
        // 10:05 billing call: caller 10 s half angry half neutral, agent 30 s neutral; 10:40 billing: 20 s sad; 11:10 sales (hub): 10 s happy.
        Track("a-in", "CA-a", "twilio", "inbound", "billing", "ann", day.AddHours(10).AddMinutes(5), 10, Share((3, 0.5f), (0, 0.5f)));
        Track("a-out", "CA-a", "twilio", "outbound", "billing", "ann", day.AddHours(10).AddMinutes(5), 30, Share((0, 1f)));
        Track("b-in", "CA-b", "twilio", "inbound", "billing", "bo", day.AddHours(10).AddMinutes(40), 20, Share((2, 1f)));
        Track("c", "c", "hub", null, "sales", "bo", day.AddHours(11).AddMinutes(10), 10, Share((1, 1f)));
        log.Write([
            new LogItem.Raised(new AlertMessage("al-a", "a-in", "angry-sustained", "angry", 1, 5, 0.8, "twilio", "CA-a", "inbound", day.AddHours(10).AddMinutes(6))),
            new LogItem.Raised(new AlertMessage("al-c1", "c", "r", "happy", 1, 5, 0.8, "hub", null, null, day.AddHours(11).AddMinutes(15))),
            new LogItem.Raised(new AlertMessage("al-c2", "c", "r", "happy", 9, 5, 0.8, "hub", null, null, day.AddHours(12).AddMinutes(1))),
        ]);
        using var http = server.Http();
        string Range(DateTimeOffset from, DateTimeOffset to) => $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";

        var hourly = await GetJson(http, $"/api/stats?{Range(day.AddHours(10), day.AddHours(12))}&bucket=hour&groupBy=queue");
        Assert.Equal(("hour", "queue"), (hourly.GetProperty("bucket").GetString(), hourly.GetProperty("groupBy").GetString()));
        var buckets = hourly.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(2, buckets.Count);
        var billing = buckets[0];
        Assert.Equal(day.AddHours(10), billing.GetProperty("start").GetDateTimeOffset());
        Assert.Equal("billing", billing.GetProperty("group").GetString());
        Assert.Equal(2, billing.GetProperty("calls").GetInt32());
        Assert.Equal(60, billing.GetProperty("speechSeconds").GetDouble(), 6);
        Assert.Equal(35 / 60.0, billing.GetProperty("share").GetProperty("neutral").GetDouble(), 6);
        Assert.Equal(5 / 60.0, billing.GetProperty("share").GetProperty("angry").GetDouble(), 6);
        Assert.Equal(20 / 60.0, billing.GetProperty("share").GetProperty("sad").GetDouble(), 6);
        Assert.Equal(25 / 60.0, billing.GetProperty("negativeShare").GetDouble(), 6);
        Assert.Equal(1, billing.GetProperty("alerts").GetInt32());
        var sales = buckets[1];
        Assert.Equal((day.AddHours(11), "sales", 1, 1), (sales.GetProperty("start").GetDateTimeOffset(), sales.GetProperty("group").GetString(),
            sales.GetProperty("calls").GetInt32(), sales.GetProperty("alerts").GetInt32()));
        Assert.Equal(1.0, sales.GetProperty("share").GetProperty("happy").GetDouble(), 6);

        // The range cuts by start time (calls) and raise time (alerts): from 10:30 the first call and its alert are out;
        // the alert raised at 12:01 is in a bucket of its own, with no call started there.
        var later = (await GetJson(http, $"/api/stats?{Range(day.AddHours(10).AddMinutes(30), day.AddHours(13))}&groupBy=queue")).GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal([(day.AddHours(10), "billing", 1, 0), (day.AddHours(11), "sales", 1, 1), (day.AddHours(12), "sales", 0, 1)],
            later.Select(b => (b.GetProperty("start").GetDateTimeOffset(), b.GetProperty("group").GetString(), b.GetProperty("calls").GetInt32(), b.GetProperty("alerts").GetInt32())));
        Assert.Equal(20 / 20.0, later[0].GetProperty("share").GetProperty("sad").GetDouble(), 6);

        var daily = (await GetJson(http, $"/api/stats?{Range(day, day.AddDays(1))}&bucket=day&groupBy=agent")).GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal([("ann", 1, 40.0, 1), ("bo", 2, 30.0, 2)], daily.Select(b => (b.GetProperty("group").GetString(), b.GetProperty("calls").GetInt32(),
            b.GetProperty("speechSeconds").GetDouble(), b.GetProperty("alerts").GetInt32())));
        Assert.All(daily, b => Assert.Equal(day, b.GetProperty("start").GetDateTimeOffset()));
        var bySource = (await GetJson(http, $"/api/stats?{Range(day, day.AddDays(1))}&bucket=day&groupBy=source")).GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal([("hub", 1), ("twilio", 2)], bySource.Select(b => (b.GetProperty("group").GetString(), b.GetProperty("calls").GetInt32())));
        // A group nobody set is null, not a string.
        var byLabel = (await GetJson(http, $"/api/stats?{Range(day, day.AddDays(1))}&bucket=day&groupBy=label")).GetProperty("buckets");
        Assert.Equal(JsonValueKind.Null, Assert.Single(byLabel.EnumerateArray()).GetProperty("group").ValueKind);
        Assert.Equal(0, (await GetJson(http, $"/api/stats?{Range(day.AddDays(1), day.AddDays(2))}")).GetProperty("buckets").GetArrayLength());
    }

    [SkippableFact]
    public async Task ClientsSeeOnlyTheirOwnCallsSupervisorsAllAndOnlyAdminsDeleteOrEditRules()
    {
        await using var server = await StartAsync(Keys);
        using var alice = server.Http(Alice);
        using var bob = server.Http(Bob);
        using var sup = server.Http(Sup);
        using var adm = server.Http(Adm);
        var (id, _) = await StreamAsync(server, new StartSessionRequest { Source = "mic", Queue = "q1" }, 2.0, seed: 4, key: Alice);
        await WaitForAsync(sup, "/api/calls", p => p.GetProperty("total").GetInt32() == 1 && p.GetProperty("items")[0].GetProperty("status").GetString() == "ended");

        Assert.Equal(id, (await GetJson(alice, "/api/calls")).GetProperty("items")[0].GetProperty("callId").GetString());
        Assert.Equal("alice", (await GetJson(alice, $"/api/calls/{id}")).GetProperty("call").GetProperty("owner").GetString());
        Assert.Equal(0, (await GetJson(bob, "/api/calls")).GetProperty("total").GetInt32());
        // A client's owner= is ignored: it always gets its own.
        Assert.Equal(0, (await GetJson(bob, "/api/calls?owner=alice")).GetProperty("total").GetInt32());
        using (var hidden = await bob.GetAsync($"/api/calls/{id}")) Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(1, (await GetJson(sup, "/api/calls?owner=alice")).GetProperty("total").GetInt32());
        string range = $"from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}";
        Assert.Equal(1, (await GetJson(alice, $"/api/stats?{range}")).GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("calls").GetInt32()));
        Assert.Equal(0, (await GetJson(bob, $"/api/stats?{range}")).GetProperty("buckets").GetArrayLength());
        Assert.Equal(1, (await GetJson(sup, $"/api/stats?{range}")).GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("calls").GetInt32()));
        using (var anonymous = await server.Http().GetAsync("/api/calls")) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // Rules: supervisors read, admins write, clients neither.
        using (var r = await alice.GetAsync("/api/alert-rules")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Equal("angry-sustained", Assert.Single((await GetJson(sup, "/api/alert-rules")).EnumerateArray()).GetProperty("name").GetString());
        var rule = new { name = "fear", emotion = "fearful", threshold = 0.7, sustainedSeconds = 3 };
        using (var r = await sup.PostAsJsonAsync("/api/alert-rules", rule)) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await adm.PostAsJsonAsync("/api/alert-rules", rule))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            Assert.Equal("adm", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("updatedBy").GetString());
        }
        using (var r = await sup.DeleteAsync("/api/alert-rules/fear")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await adm.DeleteAsync("/api/alert-rules/fear")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // Deleting calls: admins only.
        using (var r = await sup.DeleteAsync($"/api/calls/{id}")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await alice.DeleteAsync($"/api/calls/{id}")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await adm.DeleteAsync($"/api/calls/{id}")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await adm.DeleteAsync($"/api/calls/{id}")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    public static TheoryData<string, string> BadRules() => new()
    {
        { """{"emotion":"angry","threshold":0.5,"sustainedSeconds":2}""", "name is required" },
        { """{"name":"has space","emotion":"angry","threshold":0.5,"sustainedSeconds":2}""", "name must be" },
        { """{"name":"r","threshold":0.5,"sustainedSeconds":2}""", "emotion is required" },
        { """{"name":"r","emotion":"furious","threshold":0.5,"sustainedSeconds":2}""", "emotion must be one of" },
        { """{"name":"r","emotion":"angry","sustainedSeconds":2}""", "threshold is required" },
        { """{"name":"r","emotion":"angry","threshold":1.5,"sustainedSeconds":2}""", "threshold must be between 0 and 1" },
        { """{"name":"r","emotion":"angry","threshold":"high","sustainedSeconds":2}""", "threshold has the wrong type" },
        { """{"name":"r","emotion":"angry","threshold":0.5}""", "sustainedSeconds is required" },
        { """{"name":"r","emotion":"angry","threshold":0.5,"sustainedSeconds":-1}""", "sustainedSeconds must be between" },
        { """{"name":"r","emotion":"angry","threshold":0.5,"sustainedSeconds":2,"scopeQueue":""}""", "scopeQueue must be" },
        { """{"name":"r","emotion":"angry","threshold":0.5,"sustainedSeconds":2,"minProbability":0.5}""", "'minProbability' is not a field" },
        { """{"name":"r", "emotion":""", "not valid JSON" },
        { "[]", "must be a JSON object" },
        { "null", "must be a JSON object" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadRules))]
    public async Task AnInvalidRuleIsA400NamingTheField(string body, string message)
    {
        await using var server = await StartAsync();
        using var http = server.Http();
        using var response = await http.PostAsync("/api/alert-rules", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bad_rule", error.GetProperty("error").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Equal(["angry-sustained"], (await GetJson(http, "/api/alert-rules")).EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [SkippableFact]
    public async Task RulesAreCreatedReplacedAndDeletedAndKeptAcrossARestart()
    {
        string? db = Postgres is null ? Path.Combine(Path.GetTempPath(), $"ve-rules-{Guid.NewGuid():N}.db") : null;
        try
        {
            await using (var first = await HubServer.StartAsync(postgres: Postgres, callLogPath: db,
                configureAlerts: o => o.Rules = [new Alerts.AlertRule { Name = "configured", Label = "sad", MinProbability = 0.8f, MinSeconds = 4 }]))
            {
                using var http = first.Http();
                var seeded = Assert.Single((await GetJson(http, "/api/alert-rules")).EnumerateArray());
                Assert.Equal(("configured", "sad", 0.8, 4.0, "configuration"), (seeded.GetProperty("name").GetString(), seeded.GetProperty("emotion").GetString(),
                    seeded.GetProperty("threshold").GetDouble(), seeded.GetProperty("sustainedSeconds").GetDouble(), seeded.GetProperty("updatedBy").GetString()));
                using (var created = await http.PostAsJsonAsync("/api/alert-rules", new { name = "vip-anger", emotion = "angry", threshold = 0.5, sustainedSeconds = 2, scopeQueue = "vip" }))
                {
                    Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                    Assert.Equal("/api/alert-rules/vip-anger", created.Headers.Location!.OriginalString);
                }
                using (var twice = await http.PostAsJsonAsync("/api/alert-rules", new { name = "vip-anger", emotion = "angry", threshold = 0.5, sustainedSeconds = 2 }))
                {
                    Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
                    Assert.Equal("rule_exists", (await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
                }
                using (var put = await http.PutAsJsonAsync("/api/alert-rules/vip-anger", new { emotion = "angry", threshold = 0.65, sustainedSeconds = 3, scopeQueue = "vip" }))
                    Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                using (var rename = await http.PutAsJsonAsync("/api/alert-rules/vip-anger", new { name = "other", emotion = "angry", threshold = 0.65, sustainedSeconds = 3 }))
                {
                    Assert.Equal(HttpStatusCode.BadRequest, rename.StatusCode);
                    Assert.Contains("cannot be renamed", (await rename.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
                }
                using (var absent = await http.PutAsJsonAsync("/api/alert-rules/absent", new { emotion = "angry", threshold = 0.65, sustainedSeconds = 3 }))
                    Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
                using (var deleted = await http.DeleteAsync("/api/alert-rules/configured")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
                using (var again = await http.DeleteAsync("/api/alert-rules/configured")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            }
            // A restart keeps the database's rules: the configured list only seeded the new database.
            await using var second = await HubServer.StartAsync(postgres: Postgres, callLogPath: db,
                configureAlerts: o => o.Rules = [new Alerts.AlertRule { Name = "configured", Label = "sad", MinProbability = 0.8f, MinSeconds = 4 }]);
            using var http2 = second.Http();
            var kept = Assert.Single((await GetJson(http2, "/api/alert-rules")).EnumerateArray());
            Assert.Equal(("vip-anger", 0.65, 3.0, "vip"), (kept.GetProperty("name").GetString(), kept.GetProperty("threshold").GetDouble(),
                kept.GetProperty("sustainedSeconds").GetDouble(), kept.GetProperty("scopeQueue").GetString()));
            Assert.Equal(JsonValueKind.Null, kept.GetProperty("scopeLabel").ValueKind);
            Assert.Equal(kept.ToString(), (await GetJson(http2, "/api/alert-rules/vip-anger")).ToString());
        }
        finally
        {
            if (db is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
            }
        }
    }

    [SkippableFact]
    public async Task AnEditedRuleFiresOnTheNextSessionWithoutARestartAndScopedRulesOnlyOnTheirQueue()
    {
        // The configured rule cannot fire (probability ≥ 1 for an hour).
        await using var server = await StartAsync(alerts: o => o.Rules = [new Alerts.AlertRule { Name = "watch", Label = "neutral", MinProbability = 1f, MinSeconds = 3600 }]);
        using var http = server.Http();
        var (quiet, _) = await StreamAsync(server, new StartSessionRequest { Source = "mic" }, 3.0, seed: 5);
        Assert.Empty((await WaitEnded(http, quiet)).GetProperty("alerts").EnumerateArray());

        // Edited to what every speech update meets (any label ≥ 0 for 1 s): the very next session raises it, on the same server.
        using (var put = await http.PutAsJsonAsync("/api/alert-rules/watch", new { emotion = "neutral", threshold = 0.0, sustainedSeconds = 1 }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var (loud, _) = await StreamAsync(server, new StartSessionRequest { Source = "mic" }, 3.0, seed: 5);
        var alerts = (await WaitEnded(http, loud)).GetProperty("alerts").EnumerateArray().ToList();
        Assert.Equal("watch", Assert.Single(alerts).GetProperty("rule").GetString());
        Assert.Equal(1, (await GetJson(http, $"/api/calls/{loud}")).GetProperty("call").GetProperty("alerts").GetInt32());

        // Scoped: a rule for queue vip fires on a vip session only.
        using (var delete = await http.DeleteAsync("/api/alert-rules/watch")) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var post = await http.PostAsJsonAsync("/api/alert-rules", new { name = "vip", emotion = "neutral", threshold = 0.0, sustainedSeconds = 1, scopeQueue = "vip" }))
            Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        var (other, _) = await StreamAsync(server, new StartSessionRequest { Source = "mic", Queue = "standard" }, 3.0, seed: 5);
        var (vip, _) = await StreamAsync(server, new StartSessionRequest { Source = "mic", Queue = "vip" }, 3.0, seed: 5);
        Assert.Empty((await WaitEnded(http, other)).GetProperty("alerts").EnumerateArray());
        Assert.Equal("vip", Assert.Single((await WaitEnded(http, vip)).GetProperty("alerts").EnumerateArray()).GetProperty("rule").GetString());
    }

    [SkippableFact]
    public async Task ARuleEditedMidSessionAppliesToThatLiveSessionFromItsNextUpdate()
    {
        await using var server = await StartAsync(alerts: o => o.Rules = [new Alerts.AlertRule { Name = "watch", Label = "neutral", MinProbability = 1f, MinSeconds = 3600 }]);
        using var http = server.Http();
        await using var connection = await server.ConnectAsync("messagepack");
        var started = await connection.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 });
        var seen = new List<int>();
        using var _ = connection.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (seen) seen.Add(u.Seq); });
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        var streaming = connection.InvokeAsync("StreamAudio", started.SessionId, channel.Reader);
        var chunks = TestAudio.Chunks(TestAudio.Encode(TestAudio.Voice(16000, 4.0, seed: 5), AudioEncoding.Pcm16Le), 3200).ToList();
        foreach (var chunk in chunks.Take(chunks.Count / 2)) await channel.Writer.WriteAsync(chunk);
        // Updates 0–2 (to 1.5 s; the last of the first 2 s waits for audio after it) have reached the owner, so 0 and 1
        // were judged by the old rule (the forwarder sends an update before it feeds it to the alert engine).
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(20)) lock (seen) if (seen.Count >= 3) break;
        lock (seen) Assert.Equal([0, 1, 2], seen.Take(3));
        using (var put = await http.PutAsJsonAsync("/api/alert-rules/watch", new { emotion = "neutral", threshold = 0.0, sustainedSeconds = 1 }))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        foreach (var chunk in chunks.Skip(chunks.Count / 2)) await channel.Writer.WriteAsync(chunk);
        channel.Writer.Complete();
        await streaming;
        var alert = Assert.Single((await WaitEnded(http, started.SessionId)).GetProperty("alerts").EnumerateArray());
        Assert.Equal("watch", alert.GetProperty("rule").GetString());
        Assert.True(alert.GetProperty("startTime").GetDouble() >= 1.0 - 1e-9, $"the edited rule's episode began before the edit: {alert}");
    }

    private static Task<JsonElement> WaitEnded(HttpClient http, string sessionId) => LogApi.WaitEndedAsync(http, sessionId);
}
