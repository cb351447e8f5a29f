using System.Net.Http.Json;
using System.Text.Json;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Reading the emotion log over its REST API, which writes in batches: wait for what a test expects.</summary>
internal static class LogApi
{
    /// <summary>GET /api/sessions/{id} once the session has an end in the log ({ session, alerts }).</summary>
    public static async Task<JsonElement> WaitEndedAsync(HttpClient http, string sessionId)
    {
        for (int i = 0; i < 1200; i++) // 30 s: the log writes in batches, later on a busy machine
        {
            var response = await http.GetAsync($"/api/sessions/{sessionId}");
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (body.GetProperty("session").TryGetProperty("endedAt", out var ended) && ended.ValueKind != JsonValueKind.Null) return body;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"session {sessionId} never appeared ended in the log");
    }
}
