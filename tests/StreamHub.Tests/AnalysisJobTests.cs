using System.Net;
using System.Net.Http.Json;
using VoiceEmotion.Pipeline.Audio;
using Microsoft.Extensions.DependencyInjection;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>POST /api/analyze?mode=job and GET /api/jobs/{id} on the real server; the concurrent-upload limit.</summary>
public sealed class AnalysisJobTests
{
    private const string Alice = "alice-client-key-0001", Bob = "bob-client-key-00002", Sup = "supervisor-key-000003";

    private static readonly Dictionary<string, string?> Keys = new()
    {
        ["Auth:ApiKeys:0:Name"] = "alice", ["Auth:ApiKeys:0:Key"] = Alice, ["Auth:ApiKeys:0:Roles:0"] = "client",
        ["Auth:ApiKeys:1:Name"] = "bob", ["Auth:ApiKeys:1:Key"] = Bob, ["Auth:ApiKeys:1:Roles:0"] = "client",
        ["Auth:ApiKeys:2:Name"] = "sup", ["Auth:ApiKeys:2:Key"] = Sup, ["Auth:ApiKeys:2:Roles:0"] = "supervisor",
    };

    private static byte[] Wav(double seconds) => WavWriter.Write(TestAudio.Voice(8000, seconds, seed: 11), 8000, WavSampleFormat.MuLaw);

    private static async Task<(HttpResponseMessage Response, AnalysisJobStatus Job)> StartJobAsync(HttpClient http, byte[] wav)
    {
        using var form = UploadBodies.Form(wav);
        var response = await http.PostAsync("/api/analyze?mode=job", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (response, (await response.Content.ReadFromJsonAsync<AnalysisJobStatus>())!);
    }

    /// <summary>Polls the job until it has finished; returns every status seen.</summary>
    private static async Task<List<AnalysisJobStatus>> WaitFinishedAsync(HttpClient http, string id)
    {
        var seen = new List<AnalysisJobStatus>();
        for (int i = 0; i < 1200; i++)
        {
            var status = (await http.GetFromJsonAsync<AnalysisJobStatus>($"/api/jobs/{id}"))!;
            seen.Add(status);
            if (status.State is "done" or "failed") return seen;
            await Task.Delay(25);
        }
        throw new TimeoutException($"job {id} did not finish");
    }

    [Fact]
    public async Task AJobRunsToDoneWithProgressAndTheSameResultAsTheSynchronousCall()
    {
        await using var server = await HubServer.StartAsync();
        using var http = server.Http();
        var wav = Wav(60);

        var (created, job) = await StartJobAsync(http, wav);
        Assert.Equal($"/api/jobs/{job.JobId}", created.Headers.Location!.OriginalString);
        Assert.Contains(job.State, new[] { "queued", "running" });
        Assert.Equal("call.wav", job.FileName);
        Assert.Null(job.Result);

        var seen = await WaitFinishedAsync(http, job.JobId);
        var done = seen[^1];
        Assert.Equal("done", done.State);
        Assert.Null(done.Error);
        Assert.NotNull(done.FinishedAt);
        // The length is known once the job has read the header (a first poll may come before that) and never changes.
        Assert.All(seen, s => Assert.True(s.Progress.TotalSeconds is null or 60.0, $"total {s.Progress.TotalSeconds}"));
        Assert.Equal(60.0, done.Progress.TotalSeconds!.Value, 6);
        Assert.Equal(60.0, done.Progress.SecondsAnalysed, 6);
        var progress = seen.Select(s => s.Progress.SecondsAnalysed).ToList();
        Assert.Equal(progress.Order(), progress); // never goes back

        using var form = UploadBodies.Form(wav);
        using var sync = await http.PostAsync("/api/analyze", form);
        var expected = (await sync.Content.ReadFromJsonAsync<AnalyzeResponse>())!;
        var result = done.Result!;
        Assert.Equal(expected.FileName, result.FileName);
        Assert.Equal(8000, result.SampleRate);
        Assert.Equal(120, result.Updates.Count);
        Assert.Equal(expected.Updates.Count, result.Updates.Count);
        for (int i = 0; i < expected.Updates.Count; i++)
            Assert.Equal(expected.Updates[i] with { SessionId = "", Probabilities = null! }, result.Updates[i] with { SessionId = "", Probabilities = null! });
        Assert.Equal(expected.Updates.Select(u => u.Probabilities.Values.ToArray()), result.Updates.Select(u => u.Probabilities.Values.ToArray()));
        Assert.Equal(expected.Summary.Dominant, result.Summary.Dominant);
        Assert.Equal(job.JobId, result.Summary.SessionId); // the job's session in the emotion log has the job's id
        await LogApi.WaitEndedAsync(http, job.JobId);
    }

    [Fact]
    public async Task AnUnknownJobIsA404WithAClearError()
    {
        await using var server = await HubServer.StartAsync();
        using var response = await server.Http().GetAsync("/api/jobs/0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ApiError>())!;
        Assert.Equal("job_not_found", error.Error);
        Assert.Contains("0123456789abcdef", error.Message);
    }

    [Fact]
    public async Task AMalformedUploadInJobModeEndsFailedNamingTheProblem()
    {
        await using var server = await HubServer.StartAsync();
        using var http = server.Http();
        var spooled = Spooled();
        var (_, job) = await StartJobAsync(http, "this is not audio at all"u8.ToArray());
        var failed = (await WaitFinishedAsync(http, job.JobId))[^1];
        Assert.Equal("failed", failed.State);
        Assert.Null(failed.Result);
        Assert.Equal("bad_audio", failed.Error!.Error);
        Assert.Contains("RIFF", failed.Error.Message);

        var wav = Wav(6);
        var (_, truncated) = await StartJobAsync(http, wav.AsSpan(0, wav.Length - 1000).ToArray());
        var cut = (await WaitFinishedAsync(http, truncated.JobId))[^1];
        Assert.Equal("failed", cut.State);
        Assert.Contains("ended after", cut.Error!.Message);
        // Each job's temporary copy of its upload is gone once it has finished. Other tests' jobs, running beside this
        // one, spool into the same folder: wait until every copy that appeared meanwhile is gone, theirs included.
        await Poll.UntilAsync(() => !Spooled().Except(spooled).Any(), intervalMs: 50);
        Assert.Empty(Spooled().Except(spooled));
    }

    private static HashSet<string> Spooled() => [.. Directory.GetFiles(Path.GetTempPath(), "voiceemotion-upload-*.wav")];

    [Fact]
    public async Task AnOversizeUploadInJobModeGetsA413AndNoJob()
    {
        await using var server = await HubServer.StartAsync(o => o.MaxUploadBytes = 100_000);
        using var form = UploadBodies.Form(new StreamContent(new SyntheticWavStream(20))); // 160 kB, sent without a length
        using var response = await server.Http().PostAsync("/api/analyze?mode=job", form);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("file_too_large", (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task FinishedJobsExpire()
    {
        await using var server = await HubServer.StartAsync(o => o.AnalysisJobExpirySeconds = 3); // 1 s could pass between two polls on a busy machine
        using var http = server.Http();
        var (_, job) = await StartJobAsync(http, Wav(2));
        Assert.Equal("done", (await WaitFinishedAsync(http, job.JobId))[^1].State);
        HttpStatusCode status = HttpStatusCode.OK;
        for (int i = 0; i < 200 && status == HttpStatusCode.OK; i++)
        {
            await Task.Delay(50);
            status = (await http.GetAsync($"/api/jobs/{job.JobId}")).StatusCode;
        }
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task AClientSeesOnlyItsOwnJobsAndASupervisorSeesAll()
    {
        await using var server = await HubServer.StartAsync(settings: Keys);
        using var alice = server.Http(Alice);
        using var form = UploadBodies.Form(Wav(2));
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http(Sup).PostAsync("/api/analyze?mode=job", form)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http().PostAsync("/api/analyze?mode=job", form)).StatusCode);

        var (_, job) = await StartJobAsync(alice, Wav(2));
        Assert.Equal("done", (await WaitFinishedAsync(alice, job.JobId))[^1].State);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http(Bob).GetAsync($"/api/jobs/{job.JobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http().GetAsync($"/api/jobs/{job.JobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http(Sup).GetAsync($"/api/jobs/{job.JobId}")).StatusCode);
    }

    [Fact]
    public async Task UploadsOverTheConcurrencyLimitGetA429WithRetryAfter()
    {
        await using var server = await HubServer.StartAsync(o => { o.MaxConcurrentUploads = 1; o.MaxAnalysisJobs = 1; });
        using var http = server.Http();
        var sent = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        // The first upload sends its first 4 KiB and then waits: it holds the one slot until released.
        var first = http.PostAsync("/api/analyze", await UploadBodies.HeldAsync(Wav(20), sent, release.Task));
        await sent.Task;

        // Probe only once the first holds the slot (a probe admitted earlier could take it from the first).
        var uploads = server.Services.GetRequiredService<UploadAnalyzer>();
        for (int i = 0; i < 800 && uploads.FreeSlots > 0; i++) await Task.Delay(25);
        Assert.Equal(0, uploads.FreeSlots);
        HttpResponseMessage? refused = null;
        foreach (var path in new[] { "/api/analyze?mode=job", "/api/analyze" })
        {
            using var form = UploadBodies.Form(Wav(1));
            refused?.Dispose();
            refused = await http.PostAsync(path, form);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        Assert.NotNull(refused);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter!.Delta);
        var error = (await refused.Content.ReadFromJsonAsync<ApiError>())!;
        Assert.Equal("too_many_uploads", error.Error);
        Assert.Contains("try again", error.Message);

        release.SetResult();
        using var answered = await first;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(40, (await answered.Content.ReadFromJsonAsync<AnalyzeResponse>())!.Updates.Count);
        using var again = UploadBodies.Form(Wav(1));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/api/analyze", again)).StatusCode); // the slot is free again
        // A job holds the slot until it has finished, and no longer: once it says so, the next upload is admitted.
        var (_, job) = await StartJobAsync(http, Wav(4));
        Assert.Equal("done", (await WaitFinishedAsync(http, job.JobId))[^1].State);
        using var after = UploadBodies.Form(Wav(1));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/api/analyze", after)).StatusCode);
    }

    [Fact]
    public async Task UnusableJobOptionsStopTheServerNamingThem()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HubServer.StartAsync(o => { o.MaxConcurrentUploads = 8; o.MaxAnalysisJobs = 4; }));
        Assert.Contains("MaxAnalysisJobs (4) must be at least MaxConcurrentUploads (8)", error.ToString());
    }
}
