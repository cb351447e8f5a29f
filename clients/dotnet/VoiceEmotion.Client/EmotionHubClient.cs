using Microsoft.AspNetCore.SignalR;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace VoiceEmotion.Client;

/// <summary>
/// A connection to the hub <c>/hubs/emotion</c>. It may carry many sessions at once (up to the server's
/// MaxStreamsPerConnection): <see cref="StartSessionAsync"/> for audio of your own, <see cref="WatchAsync"/> and
/// <see cref="SubscribeAlertsAsync"/> for supervisors. Events are routed to the session they name.
/// </summary>
public sealed class EmotionHubClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentDictionary<string, AudioFeed> _streams = new();
    private readonly ConcurrentDictionary<AudioBundle, byte> _bundles = new();
    private readonly ConcurrentDictionary<string, SessionWatch> _watches = new();
    private readonly ConcurrentDictionary<AlertSubscription, byte> _alertSubscriptions = new();

    private EmotionHubClient(VoiceEmotionClientOptions options)
    {
        Options = options;
        var builder = new HubConnectionBuilder().WithUrl(options.HubUrl, o =>
        {
            if (options.AccessToken is not null || options.AccessTokenProvider is not null) o.AccessTokenProvider = options.Token;
            o.WebSocketFactory = ConnectWebSocketAsync;
        });
        if (options.Protocol == HubProtocol.MessagePack) builder.AddMessagePackProtocol();
        if (options.Reconnect is { } reconnect) builder.WithAutomaticReconnect([.. reconnect.Delays]);
        _connection = builder.Build();
        _connection.ServerTimeout = options.ServerTimeout;
        _connection.KeepAliveInterval = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(15).Ticks, options.ServerTimeout.Ticks / 2));

        _connection.On<EmotionUpdate>("EmotionUpdate", u =>
        {
            if (_streams.TryGetValue(u.SessionId, out var s)) s.OnUpdate(u);
            if (_watches.TryGetValue(u.SessionId, out var w)) w.OnUpdate(u);
        });
        // Only the streaming connection asks for compact updates (watchers get maps): expanded with the stream's labels.
        _connection.On<CompactEmotionUpdate>("EmotionUpdateCompact", u =>
        {
            if (_streams.TryGetValue(u.SessionId, out var s)) s.OnUpdate(u.Expand(s.Started.Labels));
        });
        // Batched sessions' updates (SessionOptions.BatchUpdates): several sessions' in one message, each in order.
        _connection.On<CompactEmotionUpdate[]>("EmotionUpdateBatch", batch =>
        {
            foreach (var u in batch)
                if (_streams.TryGetValue(u.SessionId, out var s)) s.OnUpdate(u.Expand(s.Started.Labels));
        });
        _connection.On<SessionSummary>("SessionSummary", summary =>
        {
            if (_streams.TryRemove(summary.SessionId, out var s)) s.OnSummary(summary);
            if (_watches.TryRemove(summary.SessionId, out var w)) w.OnSummary(summary);
        });
        _connection.On<SessionError>("SessionError", e =>
        {
            if (e.SessionId is null) return;
            var error = new VoiceEmotionException(e.Code, e.Message, sessionId: e.SessionId);
            if (_streams.TryRemove(e.SessionId, out var s)) s.Fail(error);
            if (_watches.TryRemove(e.SessionId, out var w)) w.Fail(error);
        });
        _connection.On<AlertMessage>("Alert", a =>
        {
            if (_streams.TryGetValue(a.SessionId, out var s)) s.OnAlert(a);
            if (_watches.TryGetValue(a.SessionId, out var w)) w.OnAlert(a);
            foreach (var subscription in _alertSubscriptions.Keys) subscription.OnAlert(a);
            AlertReceived?.Invoke(a);
        });
        _connection.Reconnecting += e =>
        {
            EndAll(e?.Message ?? "the connection dropped");
            return Reconnecting?.Invoke(e) ?? Task.CompletedTask;
        };
        _connection.Reconnected += id => Reconnected?.Invoke(id) ?? Task.CompletedTask;
        _connection.Closed += e =>
        {
            EndAll(e?.Message ?? "the connection was closed");
            return Closed?.Invoke(e) ?? Task.CompletedTask;
        };
    }

    /// <summary>Connects (and completes the SignalR handshake). Throws <see cref="HttpRequestException"/> when the
    /// server cannot be reached or refuses the credentials (401/403).</summary>
    public static async Task<EmotionHubClient> ConnectAsync(VoiceEmotionClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new EmotionHubClient(options);
        try
        {
            await client._connection.StartAsync(cancellationToken);
        }
        catch
        {
            await client._connection.DisposeAsync();
            throw;
        }
        return client;
    }

    // SignalR's own WebSocket set-up (the connection's headers, cookies, credentials, proxy and token as a bearer header),
    // with the socket wrapped so that a message goes out as one frame (WholeMessageWebSocket).
    private static async ValueTask<WebSocket> ConnectWebSocketAsync(WebSocketConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            var o = context.Options;
            foreach (var header in o.Headers) socket.Options.SetRequestHeader(header.Key, header.Value);
            if (o.Cookies is { } cookies) socket.Options.Cookies = cookies;
            if (o.ClientCertificates is { } certificates) socket.Options.ClientCertificates.AddRange(certificates);
            if (o.Credentials is { } credentials) socket.Options.Credentials = credentials;
            if (o.Proxy is { } proxy) socket.Options.Proxy = proxy;
            if (o.UseDefaultCredentials is { } useDefault) socket.Options.UseDefaultCredentials = useDefault;
            o.WebSocketConfiguration?.Invoke(socket.Options);
            if (o.AccessTokenProvider is { } provider && await provider() is { Length: > 0 } token)
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            await socket.ConnectAsync(context.Uri, cancellationToken);
            return new WholeMessageWebSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>How this client was configured.</summary>
    public VoiceEmotionClientOptions Options { get; }

    /// <summary>Connected, Reconnecting, Disconnected….</summary>
    public HubConnectionState State => _connection.State;

    /// <summary>The connection dropped and a reconnect policy is trying again; every running session has already failed
    /// with <see cref="ErrorCodes.ConnectionLost"/>.</summary>
    public event Func<Exception?, Task>? Reconnecting;

    /// <summary>The connection is back (a new connection id): start new sessions, watch and subscribe again.</summary>
    public event Func<string?, Task>? Reconnected;

    /// <summary>The connection is closed for good (disposed, or the reconnect policy gave up).</summary>
    public event Func<Exception?, Task>? Closed;

    /// <summary>Every alert this connection receives (its own sessions', watched sessions' and, once subscribed, all).</summary>
    public event Action<AlertMessage>? AlertReceived;

    /// <summary>Sessions this connection is streaming now.</summary>
    public int OpenStreams => _streams.Count;

    /// <summary>Starts a session for audio in <paramref name="format"/> and opens its audio stream. Throws
    /// <see cref="VoiceEmotionException"/> with <c>format_invalid</c>, <c>too_many_sessions</c>, <c>too_many_streams</c>
    /// or <c>forbidden</c>.</summary>
    public async Task<EmotionStream> StartSessionAsync(AudioFormat format, SessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SessionOptions();
        SessionStarted started;
        try
        {
            started = await _connection.InvokeAsync<SessionStarted>("StartSession", format.ToRequest(options), cancellationToken);
        }
        catch (HubException e)
        {
            throw VoiceEmotionException.FromHub(e);
        }
        // Registered before any audio goes out, so no update can arrive unrouted.
        EmotionStream? stream = null;
        stream = new EmotionStream(_connection, started, format, options, id => _streams.TryRemove(new(id, stream!)));
        _streams[started.SessionId] = stream;
        return stream;
    }

    /// <summary>Starts one session per entry of <paramref name="sessions"/>, all in <paramref name="format"/>, and opens
    /// one audio stream for them all (<see cref="AudioBundle"/>): a message per round of chunks instead of one per
    /// session and chunk. Throws <see cref="VoiceEmotionException"/> as <see cref="StartSessionAsync"/> does; sessions
    /// started before one was refused are ended.</summary>
    public async Task<AudioBundle> StartBundleAsync(AudioFormat format, IReadOnlyList<SessionOptions> sessions, CancellationToken cancellationToken = default)
    {
        if (sessions.Count == 0) throw new ArgumentException("a bundle needs at least one session", nameof(sessions));
        var members = new List<BundledSession>(sessions.Count);
        try
        {
            foreach (var options in sessions)
            {
                SessionStarted started;
                try
                {
                    started = await _connection.InvokeAsync<SessionStarted>("StartSession", format.ToRequest(options), cancellationToken);
                }
                catch (HubException e)
                {
                    throw VoiceEmotionException.FromHub(e);
                }
                var member = new BundledSession(started, format, options);
                // Registered before any audio goes out, so no update can arrive unrouted.
                _streams[started.SessionId] = member;
                members.Add(member);
            }
        }
        catch
        {
            // Started but never streamed: an empty bundle of them ends them on the server at once.
            if (members.Count > 0)
                await using (var orphans = new AudioBundle(_connection, [.. members], Forget)) { try { await orphans.CompleteAsync(CancellationToken.None); } catch (VoiceEmotionException) { } }
            foreach (var m in members) _streams.TryRemove(new(m.SessionId, m));
            throw;
        }
        var bundle = new AudioBundle(_connection, [.. members], Forget);
        _bundles[bundle] = 0;
        return bundle;

        void Forget(AudioBundle b)
        {
            _bundles.TryRemove(b, out _);
            foreach (var m in b.Sessions) if (m.Ended) _streams.TryRemove(new(m.SessionId, m));
        }
    }

    /// <summary>Opens a WAV file (any format the server reads), starts a session in its format and streams it in the
    /// background, paced (default real time). Read the updates from the returned stream; <see cref="SessionFeed.Summary"/>
    /// completes at the end (or fails with the error).</summary>
    public async Task<EmotionStream> StartFileAsync(string path, StreamPacing? pacing = null, SessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var wav = await WavAudio.OpenAsync(path, cancellationToken);
        try
        {
            var stream = await StartSessionAsync(wav.Format, options ?? new SessionOptions { Source = "replay", Label = Path.GetFileName(path) }, cancellationToken);
            _ = Task.Run(async () =>
            {
                await using (wav)
                {
                    try { await stream.StreamAsync(wav, pacing, cancellationToken); }
                    catch (Exception e) when (e is not VoiceEmotionException) { stream.Fail(new VoiceEmotionException(ErrorCodes.Cancelled, e.Message, sessionId: stream.SessionId, inner: e)); }
                    catch (VoiceEmotionException) { /* already in Summary */ }
                }
            }, CancellationToken.None);
            return stream;
        }
        catch
        {
            await wav.DisposeAsync();
            throw;
        }
    }

    /// <summary>Live sessions the caller may see (supervisors: all; clients: their own), newest first.</summary>
    public async Task<IReadOnlyList<LiveSessionInfo>> ListSessionsAsync(CancellationToken cancellationToken = default)
    {
        try { return await _connection.InvokeAsync<List<LiveSessionInfo>>("ListSessions", cancellationToken); }
        catch (HubException e) { throw VoiceEmotionException.FromHub(e); }
    }

    /// <summary>Watches a live session: its updates, alerts and summary from now on. Throws
    /// <see cref="VoiceEmotionException"/> <c>not_found</c> for an unknown session or one the caller may not see.</summary>
    public async Task<SessionWatch> WatchAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionWatch? watch = null;
        try
        {
            var info = await _connection.InvokeAsync<LiveSessionInfo>("Watch", sessionId, cancellationToken);
            watch = new SessionWatch(_connection, info, id => _watches.TryRemove(new(id, watch!)));
            _watches[sessionId] = watch;
            return watch;
        }
        catch (HubException e)
        {
            throw VoiceEmotionException.FromHub(e, sessionId);
        }
    }

    /// <summary>Subscribes to every session's alerts (supervisor role; <c>forbidden</c> otherwise).</summary>
    public async Task<AlertSubscription> SubscribeAlertsAsync(CancellationToken cancellationToken = default)
    {
        // Registered before the call, so an alert raised while it is under way is not lost (it may also be in Recent).
        var subscription = new AlertSubscription(s => _alertSubscriptions.TryRemove(s, out _));
        _alertSubscriptions[subscription] = 0;
        try
        {
            subscription.Recent = await _connection.InvokeAsync<AlertMessage[]>("SubscribeAlerts", cancellationToken);
            return subscription;
        }
        catch (Exception e)
        {
            subscription.Dispose();
            throw e is HubException ? VoiceEmotionException.FromHub(e) : e;
        }
    }

    private void EndAll(string reason)
    {
        var error = (string id) => new VoiceEmotionException(ErrorCodes.ConnectionLost,
            $"{reason}: the server ended this connection's sessions (a new connection starts new sessions)", sessionId: id);
        foreach (var (id, s) in _streams) if (_streams.TryRemove(new(id, s))) s.Fail(error(id));
        foreach (var (id, w) in _watches) if (_watches.TryRemove(new(id, w))) w.Fail(error(id));
        foreach (var subscription in _alertSubscriptions.Keys) { _alertSubscriptions.TryRemove(subscription, out _); subscription.Fail(error("")); }
    }

    /// <summary>Closes the connection: running sessions end on the server with the audio they had.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var s in _streams.Values.OfType<EmotionStream>()) await s.DisposeAsync();
        foreach (var b in _bundles.Keys) await b.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
