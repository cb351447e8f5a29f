using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

public sealed class AnalyzeApiTests : IAsyncLifetime
{
    private HubServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _server = await HubServer.StartAsync(o => o.MaxUploadBytes = 1024 * 1024);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<HttpResponseMessage> Upload(byte[] bytes, string name = "call.wav", string path = "/api/analyze")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", name);
        return await _http.PostAsync(new Uri(_server.Address, path), form);
    }

    [Fact]
    public async Task AWavFileGetsTheUpdateSeriesAndASummary()
    {
        var wav = WavWriter.Write(TestAudio.Voice(8000, 3.0), 8000, WavSampleFormat.MuLaw);
        using var response = await Upload(wav);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var updates = doc.RootElement.GetProperty("updates");
        Assert.Equal(6, updates.GetArrayLength());
        Assert.Equal(0.5, updates[0].GetProperty("audioTime").GetDouble(), 3);
        Assert.Equal(7, updates[5].GetProperty("probabilities").EnumerateObject().Count());
        var summary = doc.RootElement.GetProperty("summary");
        Assert.Equal(3.0, summary.GetProperty("durationSeconds").GetDouble(), 1);
        Assert.Equal(6, summary.GetProperty("updates").GetInt32());
    }

    [Theory]
    [InlineData(8000, WavSampleFormat.MuLaw, "mulaw", 40)] // 80 updates: more than the 64 windows the analysis keeps in flight
    [InlineData(48000, WavSampleFormat.Pcm16, "pcm16le", 10)]
    public async Task AnUploadGetsExactlyTheUpdatesOfALiveStreamOfTheSameAudio(int rate, WavSampleFormat format, string encoding, int seconds)
    {
        // Resampled to 16 kHz on both paths, in different pieces.
        var voice = TestAudio.Voice(rate, seconds, seed: 5);
        using var response = await Upload(WavWriter.Write(voice, rate, format), "call.wav", "/api/analyze");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upload = (await response.Content.ReadFromJsonAsync<AnalyzeResponse>())!;

        await using var connection = await _server.ConnectAsync("messagepack");
        var wire = TestAudio.Encode(voice, AudioEncodings.Parse(encoding)); // the same codec as the file's, so the same bytes
        var (live, summary, _, failure) = await HubClient.StreamAsync(connection, new StartSessionRequest { Encoding = encoding, SampleRate = rate }, TestAudio.Chunks(wire, 3200));
        Assert.Null(failure);

        Assert.Equal(2 * seconds, upload.Updates.Count);
        Assert.True(upload.Updates.Count(u => u.Speech) >= seconds);
        Assert.Equal(live.Count, upload.Updates.Count);
        for (int i = 0; i < live.Count; i++)
        {
            Assert.Equal(live[i].Seq, upload.Updates[i].Seq);
            Assert.Equal(live[i].AudioTime, upload.Updates[i].AudioTime);
            Assert.Equal(live[i].Speech, upload.Updates[i].Speech);
            Assert.Equal(live[i].Top, upload.Updates[i].Top);
            Assert.Equal(live[i].Probabilities, upload.Updates[i].Probabilities);
            Assert.Equal(live[i].LoudnessDb, upload.Updates[i].LoudnessDb);
        }
        Assert.Equal(summary!.Dominant, upload.Summary.Dominant);
        Assert.Equal(summary.DurationSeconds, upload.Summary.DurationSeconds, 6);
    }

    [Fact]
    public async Task ATruncatedFileGetsA400SayingWhereItEnded()
    {
        var wav = WavWriter.Write(TestAudio.Voice(16000, 10.0), 16000, WavSampleFormat.Pcm16);
        using var response = await Upload(wav.AsSpan(0, wav.Length / 2).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ApiError>())!;
        Assert.Equal("bad_audio", error.Error);
        Assert.Contains("ended after", error.Message);
    }

    [Fact]
    public async Task AnUnknownModeGetsA400()
    {
        using var response = await Upload(WavWriter.Write(TestAudio.Voice(16000, 1.0), 16000, WavSampleFormat.Pcm16), "a.wav", "/api/analyze?mode=later");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_mode", (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task ABadFileGetsA400NamingTheProblem()
    {
        using var response = await Upload("this is not audio at all"u8.ToArray(), "notes.wav");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("bad_audio", body);
        Assert.Contains("RIFF", body);
    }

    [Fact]
    public async Task AnOversizeFileGetsA413()
    {
        var wav = WavWriter.Write(new float[700_000], 16000, WavSampleFormat.Pcm16); // 1.4 MB > 1 MiB limit
        using var response = await Upload(wav);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("file_too_large", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HealthIsReported()
    {
        using var response = await _http.GetAsync(new Uri(_server.Address, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"ok\"", await response.Content.ReadAsStringAsync());
    }
}
