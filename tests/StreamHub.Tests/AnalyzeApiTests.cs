using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VoiceEmotion.Pipeline.Audio;

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

    private async Task<HttpResponseMessage> Upload(byte[] bytes, string name = "call.wav")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", name);
        return await _http.PostAsync(new Uri(_server.Address, "/api/analyze"), form);
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
