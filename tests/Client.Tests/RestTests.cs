using System.Net;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

/// <summary>The REST client against the real server: typed results, and errors carrying the server's ApiError code.</summary>
public sealed class RestTests : IAsyncLifetime
{
    private HubServer _server = null!;
    private readonly Audio _audio = new();
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
        _audio.Dispose();
    }

    [Fact]
    public async Task AnAnalysisAndItsLoggedSessionAreTyped()
    {
        var path = _audio.Wav("upload.wav", 16000, 2.0, WavSampleFormat.Pcm16);
        var result = await _rest.AnalyzeFileAsync(path);
        Assert.Equal("upload.wav", result.FileName);
        Assert.Equal(16000, result.SampleRate);
        Assert.Equal(4, result.Updates.Count);
        Assert.Equal(4, result.Summary.Updates);

        SessionRecord? logged = null;
        for (int i = 0; i < 100 && logged is null; i++) // the log is written in batches (50 ms here)
        {
            logged = (await _rest.ListSessionsAsync(new SessionQuery { Source = "upload" })).Items.FirstOrDefault(s => s.SessionId == result.Summary.SessionId && s.Status == "ended");
            if (logged is null) await Task.Delay(50);
        }
        Assert.NotNull(logged);
        var details = await _rest.GetSessionAsync(logged.SessionId);
        Assert.Equal(4, details.Session.Summary!.Updates);
        var timeline = await _rest.GetTimelineAsync(logged.SessionId);
        Assert.Equal(result.Updates.Select(u => u.Top), timeline.Select(u => u.Top));
        Assert.StartsWith("seq,audio_time_s", await _rest.ExportCsvAsync(logged.SessionId));
        await _rest.DeleteSessionAsync(logged.SessionId);
        var gone = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.GetSessionAsync(logged.SessionId));
        Assert.Equal(ErrorCodes.NotFound, gone.Code);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task AJobIsFollowedToItsResult()
    {
        var path = _audio.Wav("job.wav", 44100, 1.5, WavSampleFormat.Float32);
        await using var file = File.OpenRead(path);
        var job = await _rest.StartJobAsync(file, "job.wav");
        Assert.Equal(32, job.JobId.Length);
        var progress = new List<AnalysisJobProgress>();
        var result = await _rest.WaitForJobAsync(job.JobId, new Progress<AnalysisJobProgress>(p => { lock (progress) progress.Add(p); }), TimeSpan.FromMilliseconds(50));
        Assert.Equal(3, result.Updates.Count);
        Assert.Equal(1.5, (await _rest.GetJobAsync(job.JobId)).Progress.TotalSeconds!.Value, 3);
    }

    [Fact]
    public async Task ServerErrorsAreTypedWithCodeAndStatus()
    {
        var notWav = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.AnalyzeAsync(new MemoryStream("hello, not audio"u8.ToArray()), "x.wav"));
        Assert.Equal(ErrorCodes.BadAudio, notWav.Code);
        Assert.Equal(HttpStatusCode.BadRequest, notWav.StatusCode);
        Assert.Contains("RIFF", notWav.Detail);

        var noJob = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.GetJobAsync("ffffffffffffffffffffffffffffffff"));
        Assert.Equal(ErrorCodes.JobNotFound, noJob.Code);
        Assert.Equal(HttpStatusCode.NotFound, noJob.StatusCode);

        var badQuery = await Assert.ThrowsAsync<VoiceEmotionException>(() => _rest.ListSessionsAsync(new SessionQuery { Dominant = "bored" }));
        Assert.Equal(ErrorCodes.BadQuery, badQuery.Code);
        Assert.Contains("bored", badQuery.Detail);
    }
}
