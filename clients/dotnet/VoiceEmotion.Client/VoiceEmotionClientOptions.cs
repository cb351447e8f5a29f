namespace VoiceEmotion.Client;

/// <summary>The SignalR hub protocol: both carry the same messages; MessagePack is smaller and faster.</summary>
public enum HubProtocol
{
    /// <summary>MessagePack (binary).</summary>
    MessagePack,
    /// <summary>JSON (text).</summary>
    Json,
}

/// <summary>Where the server is and how to talk to it.</summary>
public sealed record VoiceEmotionClientOptions
{
    /// <summary>The server's root (<c>http://host:5000/</c>) or its hub URL (<c>…/hubs/emotion</c>): either works.</summary>
    public required Uri ServerUrl { get; init; }

    /// <summary>An API key or JWT for a server with authentication; null for a local server without it.</summary>
    public string? AccessToken { get; init; }

    /// <summary>Supplies a fresh token per connection attempt (e.g. a short-lived JWT); wins over <see cref="AccessToken"/>.</summary>
    public Func<Task<string?>>? AccessTokenProvider { get; init; }

    /// <summary>The hub protocol (default MessagePack).</summary>
    public HubProtocol Protocol { get; init; } = HubProtocol.MessagePack;

    /// <summary>Reconnect automatically after a dropped connection (null: do not; the default). A reconnect restores the
    /// connection, not its sessions: see <see cref="ReconnectPolicy"/>.</summary>
    public ReconnectPolicy? Reconnect { get; init; }

    /// <summary>How long without any message from the server before the connection counts as lost (default 60 s).</summary>
    public TimeSpan ServerTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>For tests and proxies: the handler the REST client sends through.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; init; }

    internal Uri Root
    {
        get
        {
            var text = ServerUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
            if (text.EndsWith(HubPath, StringComparison.OrdinalIgnoreCase)) text = text[..^HubPath.Length];
            return new Uri(text + "/");
        }
    }

    internal Uri HubUrl => new(Root, HubPath.TrimStart('/'));

    internal const string HubPath = "/hubs/emotion";

    internal Task<string?> Token() => AccessTokenProvider is { } provider ? provider() : Task.FromResult(AccessToken);
}

/// <summary>
/// Automatic reconnection: wait each delay in turn before another attempt, then give up (the connection closes).
/// Sessions belong to a connection: when it drops the server ends them at once (their summary is stored in the log,
/// not sent), so every running <see cref="EmotionStream"/>, <see cref="SessionWatch"/> and
/// <see cref="AlertSubscription"/> fails with <see cref="ErrorCodes.ConnectionLost"/> — with or without a reconnect. After
/// <see cref="EmotionHubClient.Reconnected"/>, start a new session (it has a new id and no speaker baseline) and
/// watch or subscribe again.
/// </summary>
public sealed record ReconnectPolicy(IReadOnlyList<TimeSpan> Delays)
{
    /// <summary>0, 2, 10, 30 s, then give up.</summary>
    public static ReconnectPolicy Default { get; } = new([TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)]);
}
