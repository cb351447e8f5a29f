using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// Every node's live sessions, as supervisors find them (ListSessions, Watch): on one node, <see cref="NodeSessions"/>
/// itself; on several nodes (ScaleOut:Redis), <see cref="ScaleOut.RedisSessionDirectory"/>, which publishes each node's
/// sessions to Redis. Updates themselves travel through SignalR groups, which the backplane spans.
/// </summary>
public interface ISessionDirectory
{
    Task<IReadOnlyList<LiveSessionInfo>> ListAsync();

    Task<LiveSessionInfo?> GetAsync(string sessionId);
}
