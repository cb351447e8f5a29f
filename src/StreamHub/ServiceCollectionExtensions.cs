using Microsoft.Extensions.Options;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Hubs;
using VoiceEmotion.StreamHub.PhoneBridge;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub;

/// <summary>Wires the VoiceEmotion service in one line each: AddVoiceEmotion(), MapVoiceEmotion().</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddVoiceEmotion(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<StreamHubOptions>(configuration.GetSection(StreamHubOptions.Section));
        services.AddSingleton<ModelHost>();
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<SessionBroadcaster>();
        services.Configure<Alerts.AlertOptions>(configuration.GetSection(Alerts.AlertOptions.Section));
        services.AddSingleton<Alerts.AlertEngine>();
        services.Configure<CallLogOptions>(configuration.GetSection(CallLogOptions.Section));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CallLogOptions>>().Value;
            var log = !string.IsNullOrWhiteSpace(o.PostgresConnectionString)
                ? SqlCallLog.Postgres(o.PostgresConnectionString)
                : SqlCallLog.Sqlite(Path.IsPathRooted(o.SqlitePath) ? o.SqlitePath : Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, o.SqlitePath));
            sp.GetRequiredService<ILogger<SqlCallLog>>().LogInformation("Emotion log: {Database}", log.Description);
            return log;
        });
        services.AddSingleton<CallLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<CallLogWriter>());
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        services.Configure<PhoneBridgeOptions>(configuration.GetSection(PhoneBridgeOptions.Section));
        services.AddSingleton<PhoneSessions>();
        services.AddSingleton<AudioSocketListener>();
        services.AddHostedService(sp => sp.GetRequiredService<AudioSocketListener>());
        services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 1024 * 1024;
            o.StreamBufferCapacity = 16;
            o.EnableDetailedErrors = false;
        }).AddMessagePackProtocol();
        return services;
    }

    public static WebApplication MapVoiceEmotion(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapHub<EmotionHub>(EmotionHub.Path);
        app.MapTwilioMediaStreams();
        app.MapAnalyze();
        app.MapCallLog();
        app.MapGet("/healthz", (SessionRegistry sessions) => Results.Ok(new { status = "ok", sessions = sessions.Count }));
        return app;
    }
}
