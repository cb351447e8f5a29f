using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Hubs;
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
        services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 1024 * 1024;
            o.StreamBufferCapacity = 16;
            o.EnableDetailedErrors = false;
        }).AddMessagePackProtocol();
        return services;
    }

    public static IEndpointRouteBuilder MapVoiceEmotion(this IEndpointRouteBuilder app)
    {
        app.MapHub<EmotionHub>(EmotionHub.Path);
        app.MapAnalyze();
        app.MapGet("/healthz", (SessionRegistry sessions) => Results.Ok(new { status = "ok", sessions = sessions.Count }));
        return app;
    }
}
