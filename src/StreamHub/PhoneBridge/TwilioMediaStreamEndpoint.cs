using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.PhoneBridge;

/// <summary>
/// A WebSocket endpoint speaking Twilio Media Streams (docs/PROTOCOL.md): JSON text messages `connected`, `start`
/// (streamSid, callSid, tracks, customParameters, mediaFormat audio/x-mulaw 8000 Hz mono), `media` (base64 mu-law per
/// track), `mark`, `dtmf`, `stop`. Each track is its own session (a speaker of the call). Malformed input closes this
/// socket with a reason; its sessions are finished with what they had; nothing else is affected.
/// Media messages — fifty a second per track — are read with a <see cref="Utf8JsonReader"/> straight off the receive
/// buffer, their payload decoded from base64 into the track's buffer, and ~100 ms of a track
/// (<see cref="PhoneBridgeOptions.TwilioCoalesceMilliseconds"/>) handed to its session at once; other events are rare
/// and parsed as documents.
/// Credentials: an API key or JWT with the client role, either on the upgrade request (header, or <c>?access_token=</c>
/// for bridges that allow query strings) or — as Twilio's &lt;Stream&gt; URL takes no query string — as the
/// &lt;Parameter name="token"&gt; that arrives in start.customParameters (never stored). Without valid credentials the
/// socket closes with 1008 (policy violation) before any audio is analysed.
/// </summary>
public static class TwilioMediaStreamEndpoint
{
    public static IEndpointRouteBuilder MapTwilioMediaStreams(this IEndpointRouteBuilder app)
    {
        var path = app.ServiceProvider.GetRequiredService<IOptions<PhoneBridgeOptions>>().Value.TwilioPath;
        app.Map(path, async (HttpContext context, SessionOpener opener, Security.Credentials credentials, IOptions<PhoneBridgeOptions> options, Observability.HubMetrics metrics, ILoggerFactory loggers) =>
        {
            // Credentials on the request are checked before the upgrade; without any, the start message must carry them.
            var user = context.User.Identity?.IsAuthenticated == true ? context.User : null;
            if (user is null && Security.AuthSetup.TokenOf(context.Request) is not null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new Contracts.ApiError("unauthorized", "the credentials on this request are not valid"));
                return;
            }
            if (user is not null && !Security.Roles.CanStream(user))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new Contracts.ApiError("forbidden", "streaming a call needs the client role"));
                return;
            }
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsJsonAsync(new Contracts.ApiError("not_websocket", "connect with a WebSocket (Twilio <Stream url=\"wss://...\">)"));
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var call = new TwilioCall(socket, opener, credentials, user, options.Value, metrics, loggers.CreateLogger(typeof(TwilioMediaStreamEndpoint)));
            await call.RunAsync(context.RequestAborted);
        });
        return app;
    }

    private sealed class TwilioCall(WebSocket socket, SessionOpener opener, Security.Credentials credentials, System.Security.Claims.ClaimsPrincipal? user,
        PhoneBridgeOptions options, Observability.HubMetrics metrics, ILogger logger)
    {
        private WebSocketCloseStatus _refusal = WebSocketCloseStatus.InvalidPayloadData;
        private readonly Dictionary<string, LiveSession> _tracks = new(StringComparer.Ordinal);
        private TrackAudio? _inbound, _outbound;
        // µ-law at 8 kHz: one byte per sample.
        private readonly int _coalesceBytes = options.TwilioCoalesceMilliseconds * 8;
        private string? _streamSid, _callSid;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(options.MaxTwilioMessageBytes);
            string? problem = null;
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    int length = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        if (length == options.MaxTwilioMessageBytes)
                        {
                            metrics.Error("twilio_protocol");
                            await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"message over {options.MaxTwilioMessageBytes} bytes", cancellationToken);
                            return;
                        }
                        result = await socket.ReceiveAsync(buffer.AsMemory(length, options.MaxTwilioMessageBytes - length), cancellationToken);
                        length += result.Count;
                    } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                    if (result.MessageType == WebSocketMessageType.Close) break;
                    if (result.MessageType != WebSocketMessageType.Text) { problem = "binary frames are not part of Media Streams"; break; }
                    problem = await HandleAsync(buffer.AsMemory(0, length), cancellationToken);
                    if (problem is "stop") { problem = null; break; }
                    if (problem is not null) break;
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                logger.LogInformation("Twilio stream {StreamSid} (call {CallSid}) dropped: {Message} {Inner}", _streamSid, _callSid, e.Message, e.InnerException?.Message);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                // Audio gathered and not yet handed over is part of the call, however it ended.
                foreach (var track in new[] { _inbound, _outbound })
                    if (track is not null)
                    {
                        try { await track.HandOverAsync(CancellationToken.None); }
                        catch (Exception e) { logger.LogWarning("Twilio stream {StreamSid}: the last {Bytes} bytes of track {Track} were not analysed: {Message}", _streamSid, track.Count, track.Session.Track, e.Message); }
                    }
                foreach (var session in _tracks.Values) await opener.FinishAsync(session);
            }
            if (problem is not null)
            {
                logger.LogWarning("Twilio stream {StreamSid} (call {CallSid}) closed: {Problem}", _streamSid, _callSid, problem);
                metrics.Error("twilio_protocol");
                await CloseAsync(_refusal, problem, CancellationToken.None);
            }
            else await CloseAsync(WebSocketCloseStatus.NormalClosure, "stream ended", CancellationToken.None);
        }

        /// <summary>Handles one message; returns "stop", null (go on) or the problem that ends the stream.</summary>
        private async Task<string?> HandleAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
        {
            TrackAudio? full;
            try
            {
                if (TryMedia(json.Span, out var problem, out full))
                {
                    if (problem is not null || full is null) return problem;
                    return await full.HandOverAsync(cancellationToken) ? null : "the session for this track has ended";
                }
            }
            catch (JsonException e) { return $"invalid JSON: {e.Message}"; }
            return await HandleDocumentAsync(json, cancellationToken);
        }

        /// <summary>
        /// A media message read in one pass without building a document: false when it is not one (or an unusual one,
        /// such as an escaped payload), which the document path then handles. Its audio is appended to its track;
        /// <paramref name="full"/> is the track when it has gathered enough to hand over.
        /// </summary>
        private bool TryMedia(ReadOnlySpan<byte> json, out string? problem, out TrackAudio? full)
        {
            problem = null;
            full = null;
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            bool media = false, mediaObject = false;
            int trackKind = 0; // 0 absent (inbound), 1 inbound, 2 outbound, −1 other
            int payloadStart = -1, payloadLength = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("media"u8)) return false;
                    media = true;
                }
                else if (reader.ValueTextEquals("media"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject) return false;
                    mediaObject = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("track"u8))
                        {
                            reader.Read();
                            if (reader.TokenType != JsonTokenType.String) return false;
                            trackKind = reader.ValueTextEquals("inbound"u8) ? 1 : reader.ValueTextEquals("outbound"u8) ? 2 : -1;
                        }
                        else if (reader.ValueTextEquals("payload"u8))
                        {
                            reader.Read();
                            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return false;
                            payloadStart = (int)reader.TokenStartIndex + 1;
                            payloadLength = reader.ValueSpan.Length;
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.Read()) return false; // more than one value: the document path says what is wrong
            if (!media || !mediaObject || trackKind < 0 || payloadStart < 0) return false;

            if (_tracks.Count == 0) { problem = "media before start"; return true; }
            var track = trackKind == 2 ? _outbound : _inbound;
            if (track is null) return false; // a track start did not announce: the document path names it
            var payload = json.Slice(payloadStart, payloadLength);
            if (!track.Append(payload)) { problem = "media payload is not valid base64"; return true; }
            if (track.Count >= _coalesceBytes) full = track;
            return true;
        }

        private async Task<string?> HandleDocumentAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
        {
            JsonDocument document;
            try { document = JsonDocument.Parse(json); }
            catch (JsonException e) { return $"invalid JSON: {e.Message}"; }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.String)
                    return "message has no 'event'";
                switch (ev.GetString())
                {
                    case "connected":
                        return null;
                    case "start":
                        return await StartAsync(root, cancellationToken);
                    case "media":
                        return await MediaAsync(root, cancellationToken);
                    case "mark":
                    case "dtmf":
                        return null;
                    case "stop":
                        return "stop";
                    default:
                        return $"unknown event '{Clip(ev.GetString())}'";
                }
            }
        }

        private async Task<string?> StartAsync(JsonElement root, CancellationToken cancellationToken)
        {
            if (_tracks.Count > 0) return "a second 'start' on one stream";
            if (!root.TryGetProperty("start", out var start) || start.ValueKind != JsonValueKind.Object) return "'start' message without a 'start' object";
            _streamSid = Text(start, "streamSid") ?? Text(root, "streamSid");
            _callSid = Text(start, "callSid");
            if (start.TryGetProperty("mediaFormat", out var media))
            {
                string? encoding = Text(media, "encoding");
                int rate = media.TryGetProperty("sampleRate", out var r) && r.TryGetInt32(out int v) ? v : 0;
                int channels = media.TryGetProperty("channels", out var c) && c.TryGetInt32(out int n) ? n : 1;
                if (encoding != "audio/x-mulaw" || rate != 8000 || channels != 1)
                    return $"unsupported mediaFormat {Clip(encoding)} {rate} Hz x{channels}: expected audio/x-mulaw 8000 Hz mono";
            }
            var tracks = start.TryGetProperty("tracks", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).Distinct().ToList()
                : ["inbound"];
            if (tracks.Count == 0 || tracks.Any(x => x is not ("inbound" or "outbound"))) return "start.tracks must be 'inbound' and/or 'outbound'";
            var parameters = start.TryGetProperty("customParameters", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            if (user is null)
            {
                var (caller, error) = await credentials.ValidateAsync(Text(parameters, "token"), cancellationToken);
                if (caller is null || !Security.Roles.CanStream(caller))
                {
                    _refusal = WebSocketCloseStatus.PolicyViolation;
                    metrics.Error(Sessions.HubError.Forbidden);
                    return caller is null ? $"unauthorized: {error} (send the API key as the 'token' custom parameter)" : "forbidden: streaming a call needs the client role";
                }
                user = caller;
            }
            string? label = parameters.ValueKind == JsonValueKind.Object
                ? string.Join(";", parameters.EnumerateObject().Where(kv => kv.Name != "token").Select(kv => $"{kv.Name}={kv.Value}")) : null;
            var format = new AudioFormat(AudioEncoding.MuLaw, 8000, 1);
            foreach (var track in tracks)
            {
                var (session, error) = opener.Open(format, "twilio", label, Security.Roles.Owner(user), callId: _callSid ?? _streamSid, track: track,
                    agent: Parameter(parameters, "agent"), queue: Parameter(parameters, "queue"));
                if (session is null) return $"{error}: the server is at its session limit";
                _tracks[track] = session;
                if (track == "inbound") _inbound = new TrackAudio(session);
                else _outbound = new TrackAudio(session);
            }
            return null;
        }

        /// <summary>A custom parameter by name, any case (<c>&lt;Parameter name="agent"&gt;</c>), as text; null when absent or empty.</summary>
        private static string? Parameter(JsonElement parameters, string name) =>
            parameters.ValueKind != JsonValueKind.Object ? null
            : parameters.EnumerateObject().FirstOrDefault(kv => string.Equals(kv.Name, name, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: not JsonValueKind.Undefined } kv
              && kv.Value.ToString() is { Length: > 0 } value ? value : null;

        private async Task<string?> MediaAsync(JsonElement root, CancellationToken cancellationToken)
        {
            if (_tracks.Count == 0) return "media before start";
            if (!root.TryGetProperty("media", out var media) || media.ValueKind != JsonValueKind.Object) return "'media' message without a 'media' object";
            string track = Text(media, "track") ?? "inbound";
            if (!_tracks.ContainsKey(track)) return $"media for track '{Clip(track)}', which start.tracks did not announce";
            string? payload = Text(media, "payload");
            if (payload is null) return "media without a payload";
            var audio = track == "outbound" ? _outbound! : _inbound!;
            if (!audio.Append(payload)) return "media payload is not valid base64";
            if (audio.Count >= _coalesceBytes && !await audio.HandOverAsync(cancellationToken)) return "the session for this track has ended";
            return null;
        }

        /// <summary>A track's µ-law audio gathered from its media messages until it is handed to the session.</summary>
        private sealed class TrackAudio(LiveSession session)
        {
            private byte[] _buffer = new byte[2048];

            public LiveSession Session { get; } = session;

            /// <summary>Bytes gathered and not yet handed over.</summary>
            public int Count { get; private set; }

            /// <summary>Appends a base64 payload's bytes (UTF-8); false when it is not base64.</summary>
            public bool Append(ReadOnlySpan<byte> base64)
            {
                Reserve(Base64.GetMaxDecodedFromUtf8Length(base64.Length));
                var status = Base64.DecodeFromUtf8(base64, _buffer.AsSpan(Count), out int consumed, out int written);
                if (status == OperationStatus.Done && consumed == base64.Length)
                {
                    Count += written;
                    return true;
                }
                // Not strict base64 (whitespace in it, say): the lenient decoder decides, as the document path does.
                return Append(System.Text.Encoding.ASCII.GetString(base64));
            }

            public bool Append(string base64)
            {
                Reserve(base64.Length / 4 * 3 + 3);
                if (!Convert.TryFromBase64String(base64, _buffer.AsSpan(Count), out int written)) return false;
                Count += written;
                return true;
            }

            /// <summary>Writes what is gathered to the session (the pipeline processes it at once or copies it); false when the session has ended.</summary>
            public async ValueTask<bool> HandOverAsync(CancellationToken cancellationToken)
            {
                if (Count == 0) return true;
                int count = Count;
                Count = 0;
                return await Session.Pipeline.WriteAsync(_buffer.AsMemory(0, count), cancellationToken);
            }

            private void Reserve(int more)
            {
                if (Count + more > _buffer.Length) Array.Resize(ref _buffer, Math.Max(Count + more, 2 * _buffer.Length));
            }
        }

        private async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
        {
            if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
            try { await socket.CloseAsync(status, Clip(reason, 120), cancellationToken); }
            catch (WebSocketException) { /* peer already gone */ }
        }

        private static string? Text(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static string Clip(string? s, int max = 40) => s is null ? "" : s.Length <= max ? s : s[..max];
    }
}
