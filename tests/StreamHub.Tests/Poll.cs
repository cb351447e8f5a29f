namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Waiting for what arrives asynchronously — on another connection, through the batched log, from a background job —
/// with one deadline long enough for a busy CI runner. It only waits: the caller asserts afterwards, so a condition that
/// never holds still fails the test with the caller's message.
/// </summary>
internal static class Poll
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Checks <paramref name="condition"/> every <paramref name="intervalMs"/> until it holds or
    /// <see cref="Deadline"/> has passed.</summary>
    public static async Task UntilAsync(Func<bool> condition, int intervalMs = 20)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(intervalMs);
    }
}
