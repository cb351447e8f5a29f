using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Places real calls on a running hub: a Twilio Media Stream over its WebSocket and an Asterisk AudioSocket call
/// over TCP, speaking the protocols as documented (docs/PROTOCOL.md).</summary>
internal static class PhoneCalls
{
    /// <summary>A Twilio call with the caller (inbound) and agent (outbound) tracks, <paramref name="seconds"/> of synthetic
    /// voice each; <paramref name="beforeStop"/> runs after the audio and before <c>stop</c>, while the call is live.</summary>
    public static async Task TwilioAsync(HubServer server, string callSid, Dictionary<string, string> customParameters, double seconds,
        Func<Task>? beforeStop = null)
    {
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(server.TwilioUrl, CancellationToken.None);
        await Send(ws, new { @event = "connected", protocol = "Call", version = "1.0.0" });
        await Send(ws, new
        {
            @event = "start", sequenceNumber = "1", streamSid = "MZ" + callSid,
            start = new
            {
                accountSid = "AC1", streamSid = "MZ" + callSid, callSid, tracks = new[] { "inbound", "outbound" }, customParameters,
                mediaFormat = new { encoding = "audio/x-mulaw", sampleRate = 8000, channels = 1 },
            },
        });
        var caller = AudioEncodings.Encode(TestAudio.Voice(8000, seconds, seed: 11), AudioEncoding.MuLaw);
        var agent = AudioEncodings.Encode(TestAudio.Voice(8000, seconds, seed: 12), AudioEncoding.MuLaw);
        for (int i = 0, chunk = 0; i + 160 <= caller.Length; i += 160, chunk++)
        {
            await Send(ws, Media("inbound", chunk, caller[i..(i + 160)], callSid));
            await Send(ws, Media("outbound", chunk, agent[i..(i + 160)], callSid));
        }
        if (beforeStop is not null) await beforeStop();
        await Send(ws, new { @event = "stop", sequenceNumber = "9999", streamSid = "MZ" + callSid, stop = new { accountSid = "AC1", callSid } });
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (ws.State == WebSocketState.Open)
            if ((await ws.ReceiveAsync(buffer, timeout.Token)).MessageType == WebSocketMessageType.Close) break;
        if (ws.CloseStatus != WebSocketCloseStatus.NormalClosure) throw new InvalidOperationException($"the Twilio stream closed with {ws.CloseStatus}: {ws.CloseStatusDescription}");
    }

    /// <summary>An AudioSocket call: the UUID, <paramref name="seconds"/> of 8 kHz signed linear audio in 20 ms frames, hangup.</summary>
    public static async Task AudioSocketAsync(HubServer server, Guid uuid, double seconds)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.AudioSocket);
        var stream = tcp.GetStream();
        await stream.WriteAsync(AudioSocketFrames.Frame(0x01, uuid.ToByteArray(bigEndian: true)));
        var slin = AudioEncodings.Encode(TestAudio.Voice(8000, seconds, seed: 13), AudioEncoding.Pcm16Le);
        for (int i = 0; i + 320 <= slin.Length; i += 320) await stream.WriteAsync(AudioSocketFrames.Frame(0x10, slin[i..(i + 320)]));
        await stream.WriteAsync(AudioSocketFrames.Frame(0x00, []));
        // The server closes after the hangup once the call's session is finished.
        var buffer = new byte[16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await stream.ReadAsync(buffer, timeout.Token) > 0) { }
    }

    private static object Media(string track, int chunk, byte[] mulaw, string callSid) => new
    {
        @event = "media", sequenceNumber = (chunk + 2).ToString(), streamSid = "MZ" + callSid,
        media = new { track, chunk = chunk.ToString(), timestamp = (chunk * 20).ToString(), payload = Convert.ToBase64String(mulaw) },
    };

    private static Task Send(ClientWebSocket ws, object message) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message)), WebSocketMessageType.Text, true, CancellationToken.None);
}
