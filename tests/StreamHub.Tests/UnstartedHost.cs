using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// The hub's services built as the server builds them, never started: what a host that stops right after starting
/// leaves its hosted services with (.NET 10 may never run a BackgroundService's ExecuteAsync then, dotnet/runtime#131249).
/// </summary>
internal static class UnstartedHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.Configuration[key] = value;
        if (logs is not null) builder.Logging.AddProvider(logs);
        builder.Services.AddVoiceEmotion(builder.Configuration);
        return builder.Build();
    }
}
