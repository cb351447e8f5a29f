using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.ScaleOut;

/// <summary>
/// The live-session directory across nodes: every node writes its sessions into one Redis hash (field = session id,
/// value = the session's info, its node and an expiry) every <see cref="ScaleOutOptions.PublishSeconds"/>, and deletes
/// the ones that ended. A node that dies stops refreshing; readers skip and remove its expired entries. If Redis is
/// unreachable, supervisors still see this node's sessions.
/// </summary>
public sealed class RedisSessionDirectory(NodeSessions sessions, IConnectionMultiplexer redis, IOptions<ScaleOutOptions> options,
    ILogger<RedisSessionDirectory> logger) : BackgroundService, ISessionDirectory
{
    private static readonly RedisKey Key = "voiceemotion:live";
    private readonly string _node = options.Value.NodeName ?? $"{Environment.MachineName}:{Environment.ProcessId}";
    private readonly TimeSpan _period = TimeSpan.FromSeconds(options.Value.PublishSeconds);
    private HashSet<string> _published = [];

    public string Node => _node;

    private sealed record Entry(LiveSessionInfo Session, string Node, long ExpiresAt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_period);
        try
        {
            while (true)
            {
                try
                {
                    await PublishAsync();
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning("Live-session directory: publishing to Redis failed: {Message}", e.Message);
                }
                await timer.WaitForNextTickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) { /* stopping */ }
    }

    private async Task PublishAsync()
    {
        var db = redis.GetDatabase();
        long expires = DateTimeOffset.UtcNow.Add(3 * _period).ToUnixTimeMilliseconds();
        var live = sessions.All;
        if (live.Count > 0)
            await db.HashSetAsync(Key, live.Select(s => new HashEntry(s.Id, JsonSerializer.Serialize(new Entry(LiveSessionInfo.From(s), _node, expires)))).ToArray());
        var current = live.Select(s => s.Id).ToHashSet();
        var ended = _published.Where(id => !current.Contains(id)).Select(id => (RedisValue)id).ToArray();
        if (ended.Length > 0) await db.HashDeleteAsync(Key, ended);
        _published = current;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            if (_published.Count > 0) await redis.GetDatabase().HashDeleteAsync(Key, _published.Select(id => (RedisValue)id).ToArray());
        }
        catch (Exception e) when (e is RedisException or TimeoutException) { /* the entries expire by themselves */ }
    }

    public async Task<IReadOnlyList<LiveSessionInfo>> ListAsync()
    {
        var result = sessions.All.Select(LiveSessionInfo.From).ToList();
        var local = result.Select(s => s.SessionId).ToHashSet();
        try
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var expired = new List<RedisValue>();
            foreach (var field in await redis.GetDatabase().HashGetAllAsync(Key))
            {
                var entry = Parse(field.Value);
                if (entry is null || entry.ExpiresAt < now) expired.Add(field.Name);
                else if (!local.Contains(entry.Session.SessionId)) result.Add(entry.Session);
            }
            if (expired.Count > 0) _ = redis.GetDatabase().HashDeleteAsync(Key, [.. expired], CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Live-session directory: Redis unreachable, listing this node's sessions only: {Message}", e.Message);
        }
        return result;
    }

    public async Task<LiveSessionInfo?> GetAsync(string sessionId)
    {
        if (sessions.Get(sessionId) is { } s) return LiveSessionInfo.From(s);
        try
        {
            var entry = Parse(await redis.GetDatabase().HashGetAsync(Key, sessionId));
            return entry is not null && entry.ExpiresAt >= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() ? entry.Session : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Live-session directory: Redis unreachable looking up {SessionId}: {Message}", sessionId, e.Message);
            return null;
        }
    }

    private static Entry? Parse(RedisValue value)
    {
        if (value.IsNullOrEmpty) return null;
        try { return JsonSerializer.Deserialize<Entry>(value.ToString()); }
        catch (JsonException) { return null; }
    }
}

/// <summary>Readiness reports Redis when the deployment scales out on it: Degraded when unreachable (each node still
/// serves its own sessions; cross-node watching pauses), never a reason to take every node out.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"redis ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"redis unreachable: {e.Message}");
        }
    }
}
