using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// Live sessions as supervisors find them: on one node, that node's registry; on several nodes (ScaleOut:Redis), every
/// node's sessions, published to Redis. Updates themselves travel through SignalR groups, which the backplane spans.
/// </summary>
public interface ISessionDirectory
{
    Task<IReadOnlyList<LiveSessionInfo>> ListAsync();

    Task<LiveSessionInfo?> GetAsync(string sessionId);
}

/// <summary>The single-node directory: the registry itself.</summary>
public sealed class LocalSessionDirectory(SessionRegistry registry) : ISessionDirectory
{
    public Task<IReadOnlyList<LiveSessionInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<LiveSessionInfo>>(registry.All.Select(LiveSessionInfo.From).ToList());

    public Task<LiveSessionInfo?> GetAsync(string sessionId) =>
        Task.FromResult(registry.Get(sessionId) is { } s ? LiveSessionInfo.From(s) : null);
}
