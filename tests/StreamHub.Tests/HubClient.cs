using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Streams audio through a real SignalR client and collects what the hub sends back for that session.</summary>
internal sealed class HubClient
{
    public static async Task<(List<EmotionUpdateMessage> Updates, SessionSummaryMessage? Summary, List<SessionErrorMessage> Errors, Exception? Failure)> StreamAsync(
        HubConnection connection, StartSessionRequest format, IEnumerable<byte[]> chunks, TimeSpan? delayBetweenChunks = null)
    {
        var started = await connection.InvokeAsync<SessionStarted>("StartSession", format);
        var updates = new List<EmotionUpdateMessage>();
        var errors = new List<SessionErrorMessage>();
        var summary = new TaskCompletionSource<SessionSummaryMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = connection.On<EmotionUpdateMessage>("EmotionUpdate", u => { if (u.SessionId == started.SessionId) lock (updates) updates.Add(u); });
        using var b = connection.On<SessionSummaryMessage>("SessionSummary", s => { if (s.SessionId == started.SessionId) summary.TrySetResult(s); });
        using var c = connection.On<SessionErrorMessage>("SessionError", e => { if (e.SessionId == started.SessionId) { lock (errors) errors.Add(e); summary.TrySetResult(null); } });
        var channel = Channel.CreateBounded<byte[]>(8);
        var sending = connection.InvokeAsync("StreamAudio", started.SessionId, channel.Reader);
        Exception? failure = null;
        try
        {
            foreach (var chunk in chunks)
            {
                await channel.Writer.WriteAsync(chunk);
                if (delayBetweenChunks is { } d) await Task.Delay(d);
            }
        }
        finally
        {
            channel.Writer.TryComplete();
        }
        try
        {
            await sending;
        }
        catch (Exception e)
        {
            failure = e;
            summary.TrySetResult(null);
        }
        var done = await Task.WhenAny(summary.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (done != summary.Task) failure ??= new TimeoutException("no summary or error within 60 s");
        await Task.Delay(50); // let the last events land
        lock (updates) return (updates.ToList(), summary.Task.IsCompleted ? summary.Task.Result : null, errors.ToList(), failure);
    }
}
