using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;
using Xunit.Abstractions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Generated and mutated hostile input for every parser of outside bytes: the WAV reader, the wire chunk decoders,
/// the Twilio JSON endpoint, AudioSocket frames and the multipart upload. Each must answer with its typed error (or
/// accept), never crash, hang or grow without bound, and the server must go on serving. CI runs a short campaign;
/// `scripts/fuzz.sh` runs 100,000 inputs per parser (VOICEEMOTION_FUZZ_ITERATIONS).
/// </summary>
public sealed class FuzzCampaignTests(ITestOutputHelper output)
{
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("VOICEEMOTION_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 500;

    private static byte[] Mutate(byte[] seed, Random random, int hotPrefix)
    {
        var bytes = (byte[])seed.Clone();
        switch (random.Next(4))
        {
            case 0: for (int e = random.Next(1, 8); e > 0; e--) bytes[random.Next(Math.Min(bytes.Length, hotPrefix))] = (byte)random.Next(256); break;
            case 1: Array.Resize(ref bytes, random.Next(bytes.Length + 1)); break;
            case 2: for (int e = random.Next(1, 16); e > 0; e--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256); break;
            default: bytes = new byte[random.Next(256)]; random.NextBytes(bytes); break;
        }
        return bytes;
    }

    [Fact]
    public void WavReaderAndChunkDecodersOnlyEverRaiseTheirTypedError()
    {
        var random = new Random(11);
        var seeds = new[]
        {
            WavWriter.Write(TestAudio.Voice(16000, 0.05), 16000, WavSampleFormat.Pcm16),
            WavWriter.Write(TestAudio.Voice(8000, 0.05), 8000, WavSampleFormat.MuLaw),
            WavWriter.Write(TestAudio.Voice(44100, 0.02), 44100, WavSampleFormat.Float32, channels: 1),
            WavWriter.Write(TestAudio.Voice(48000, 0.02), 48000, WavSampleFormat.Pcm24),
        };
        int rejected = 0;
        var watch = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            try
            {
                var clip = WavReader.Read(new MemoryStream(Mutate(seeds[i % seeds.Length], random, 64)), maxDataBytes: 1 << 20);
                Assert.All(clip.Samples, v => Assert.True(float.IsFinite(v)));
            }
            catch (AudioFormatException) { rejected++; }
        }
        output.WriteLine($"WAV reader: {Iterations} inputs, {rejected} rejected with AudioFormatException, {watch.Elapsed.TotalSeconds:F1} s, {(GC.GetAllocatedBytesForCurrentThread() - before) / Iterations} B allocated per input");

        var encodings = Enum.GetValues<AudioEncoding>();
        rejected = 0;
        watch.Restart();
        for (int i = 0; i < Iterations; i++)
        {
            var format = new AudioFormat(encodings[i % encodings.Length], 8000 * (1 + i % 6), 1 + i % 2);
            var decoder = new AudioInputDecoder(format);
            var bytes = new byte[random.Next(4096)];
            random.NextBytes(bytes);
            var output16k = new float[decoder.MaxOutputSamples(bytes.Length)];
            try
            {
                for (int at = 0; at < bytes.Length;)
                {
                    int n = Math.Min(bytes.Length - at, random.Next(1, 700));
                    decoder.Push(bytes.AsSpan(at, n), output16k);
                    at += n;
                }
            }
            catch (AudioFormatException) { rejected++; }
        }
        output.WriteLine($"Chunk decoders + resampler: {Iterations} random streams, {rejected} rejected (non-finite float32), {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task HostileTwilioAudioSocketAndUploadInputNeverBreaksTheServer()
    {
        await using var server = await HubServer.StartAsync(o => o.MaxUploadBytes = 256 * 1024);
        var random = new Random(12);
        long memoryBefore = Process.GetCurrentProcess().WorkingSet64;

        // Twilio: mutations of valid messages, one hostile sequence per connection.
        var valid = new[]
        {
            """{"event":"connected","protocol":"Call","version":"1.0.0"}""",
            """{"event":"start","sequenceNumber":"1","start":{"streamSid":"MZ1","callSid":"CA1","tracks":["inbound","outbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}""",
            """{"event":"media","sequenceNumber":"2","streamSid":"MZ1","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"//////////////////////////8="}}""",
            """{"event":"stop","sequenceNumber":"3","streamSid":"MZ1","stop":{"callSid":"CA1"}}""",
        };
        var closes = new Dictionary<string, int>();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            using var ws = new ClientWebSocket();
            await ws.ConnectAsync(server.TwilioUrl, CancellationToken.None);
            int messages = random.Next(1, 6);
            try
            {
                for (int m = 0; m < messages && ws.State == WebSocketState.Open; m++)
                {
                    var text = Encoding.UTF8.GetBytes(valid[Math.Min(m, valid.Length - 1)]);
                    var bytes = random.Next(3) == 0 ? text : Mutate(text, random, text.Length);
                    var type = random.Next(20) == 0 ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
                    await ws.SendAsync(bytes, type, true, CancellationToken.None);
                }
                if (ws.State == WebSocketState.Open) await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                var buffer = new byte[256];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while (ws.State is WebSocketState.Open or WebSocketState.CloseSent)
                    if ((await ws.ReceiveAsync(buffer, timeout.Token)).MessageType == WebSocketMessageType.Close) break;
            }
            catch (WebSocketException) { /* the server closed first: an answer too */ }
            string key = ws.CloseStatus?.ToString() ?? "aborted";
            closes[key] = closes.GetValueOrDefault(key) + 1;
        }
        output.WriteLine($"Twilio: {Iterations} hostile connections in {watch.Elapsed.TotalSeconds:F1} s, closes: {string.Join(", ", closes.Select(kv => $"{kv.Key} {kv.Value}"))}");

        // AudioSocket: random frame sequences starting from a valid UUID (or not).
        watch.Restart();
        int answered = 0;
        for (int i = 0; i < Iterations; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(server.AudioSocket);
            var stream = tcp.GetStream();
            var frames = new List<byte>();
            if (random.Next(4) != 0) frames.AddRange(AudioSocketFrames.Frame(0x01, Guid.NewGuid().ToByteArray()));
            for (int f = random.Next(1, 6); f > 0; f--)
            {
                byte kind = random.Next(3) switch { 0 => 0x10, 1 => (byte)random.Next(256), _ => new byte[] { 0x00, 0x01, 0x03, 0x10, 0xff }[random.Next(5)] };
                var payload = new byte[random.Next(0, 700)];
                random.NextBytes(payload);
                var frame = AudioSocketFrames.Frame(kind, payload);
                if (random.Next(8) == 0) BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), (ushort)random.Next(65536)); // lie about the length
                frames.AddRange(frame);
            }
            try
            {
                await stream.WriteAsync(frames.ToArray());
                tcp.Client.Shutdown(SocketShutdown.Send);
                var reply = new byte[64];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while (await stream.ReadAsync(reply, timeout.Token) > 0) { }
                answered++;
            }
            catch (IOException) { answered++; /* reset by the server after an error frame */ }
        }
        output.WriteLine($"AudioSocket: {Iterations} hostile connections in {watch.Elapsed.TotalSeconds:F1} s, all answered or closed: {answered}");
        Assert.Equal(Iterations, answered);

        // Upload: mutated WAVs and hostile multipart bodies: only 200, 400 or 413.
        watch.Restart();
        using var http = new HttpClient();
        var statuses = new Dictionary<HttpStatusCode, int>();
        int closedWhileSending = 0;
        var wav = WavWriter.Write(TestAudio.Voice(8000, 0.6), 8000, WavSampleFormat.MuLaw);
        for (int i = 0; i < Iterations; i++)
        {
            HttpContent content;
            if (random.Next(4) == 0)
            {
                var body = new byte[random.Next(2000)];
                random.NextBytes(body);
                content = new ByteArrayContent(body);
                content.Headers.TryAddWithoutValidation("Content-Type", random.Next(2) == 0 ? "multipart/form-data; boundary=xyz" : "application/octet-stream");
            }
            else
            {
                var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(random.Next(10) == 0 ? new byte[300 * 1024] : Mutate(wav, random, 64));
                file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
                form.Add(file, random.Next(10) == 0 ? "other" : "file", "x.wav");
                content = form;
            }
            // A fresh connection each time, so no request meets one the server has just closed after a hostile body.
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "/api/analyze")) { Content = content };
            request.Headers.ConnectionClose = true;
            try
            {
                using (content)
                using (var response = await http.SendAsync(request))
                    statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            }
            catch (HttpRequestException e) when (e.InnerException is IOException)
            {
                // The server answered and closed while this client was still writing a hostile body (the client then
                // cannot read the answer): allowed for garbage, counted, and bounded below.
                closedWhileSending++;
            }
        }
        output.WriteLine($"Upload: {Iterations} hostile requests in {watch.Elapsed.TotalSeconds:F1} s: {string.Join(", ", statuses.Select(kv => $"{(int)kv.Key} {kv.Value}"))}, closed while sending {closedWhileSending}");
        Assert.All(statuses.Keys, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge }));
        Assert.True(closedWhileSending <= Iterations / 10, $"{closedWhileSending} of {Iterations} uploads ended in a closed connection instead of an answer");

        // Still serving: a healthy session works, nothing is left open, memory did not run away.
        await using var healthy = await server.ConnectAsync("messagepack");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 1.0), AudioEncoding.Pcm16Le);
        var (updates, summary, _, failure) = await HubClient.StreamAsync(healthy, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        Assert.Equal(2, updates.Count);
        Assert.NotNull(summary);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (server.Sessions.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, server.Sessions.Count);
        long memoryAfter = Process.GetCurrentProcess().WorkingSet64;
        output.WriteLine($"working set {memoryBefore / 1048576} MiB → {memoryAfter / 1048576} MiB");
        Assert.True(memoryAfter < memoryBefore + 1024L * 1024 * 1024, "memory grew by more than 1 GiB");
    }
}
