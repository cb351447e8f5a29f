using Microsoft.Extensions.Options;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.CallLog;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using VoiceEmotion.StreamHub.Hubs;
using VoiceEmotion.StreamHub.Observability;
using VoiceEmotion.StreamHub.PhoneBridge;
using VoiceEmotion.StreamHub.ScaleOut;
using VoiceEmotion.StreamHub.Security;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub;

/// <summary>Wires the VoiceEmotion service in one line each: AddVoiceEmotion() (services), UseVoiceEmotion() (middleware),
/// MapVoiceEmotion() (endpoints).</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddVoiceEmotion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StreamHubOptions>(configuration, StreamHubOptions.Section);
        services.AddSingleton<ModelHost>();
        services.AddSingleton<UploadAnalyzer>();
        services.AddSingleton<AnalysisJobs>();
        services.AddSingleton<NodeSessions>();
        services.AddSingleton<SessionForwarder>();
        services.AddSingleton<UpdateOutboxes>();
        services.AddSingleton<SessionOpener>();
        services.AddSingleton<ListenerRegistry>();
        services.AddVoiceEmotionAuth(configuration);
        services.AddValidatedOptions<Alerts.AlertOptions>(configuration, Alerts.AlertOptions.Section);
        // The rules in force come from the log database (seeded from Alerts:Rules when the database is created).
        services.AddSingleton(sp =>
        {
            var rules = sp.GetRequiredService<SqlCallLog>().AlertRules();
            sp.GetRequiredService<ILogger<Alerts.AlertRuleBook>>().LogInformation(
                "Alert rules in force (from the emotion log; Alerts:Rules only seeds a new log): {Rules}",
                rules.Count == 0 ? "none" : string.Join(", ", rules.Select(r => $"{r.Name} ({r.Emotion} >= {r.Threshold} for {r.SustainedSeconds} s)")));
            return new Alerts.AlertRuleBook(rules);
        });
        services.AddSingleton(sp => new Alerts.AlertEngine(sp.GetRequiredService<IOptions<Alerts.AlertOptions>>(), sp.GetRequiredService<Alerts.AlertRuleBook>()));
        services.AddHostedService<Alerts.AlertRuleRefresher>();
        services.AddHttpClient(Alerts.WebhookSender.HttpClientName, (sp, http) =>
            http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<Alerts.AlertOptions>>().Value.WebhookTimeoutSeconds))
            // A redirect is a failure to retry, not something to follow: a followed 301/302 turns the POST into a GET.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            // The sender logs each outcome itself, naming the URL without its query (which may hold the receiver's token).
            .RemoveAllLoggers();
        services.AddSingleton<Alerts.WebhookSender>();
        services.AddHostedService(sp => sp.GetRequiredService<Alerts.WebhookSender>());
        services.AddValidatedOptions<CallLogOptions>(configuration, CallLogOptions.Section);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CallLogOptions>>().Value;
            // The node's name in the log: a restarted node closes the sessions it left open under the same name.
            string node = sp.GetRequiredService<IOptions<ScaleOutOptions>>().Value.NodeName is { Length: > 0 } name ? name : Environment.MachineName;
            // Alerts:Rules seeds the rules of a new database; from then on they live in it (/api/alert-rules).
            var seed = Alerts.AlertRuleRecord.Seed(sp.GetRequiredService<IOptions<Alerts.AlertOptions>>().Value);
            var log = !string.IsNullOrWhiteSpace(o.PostgresConnectionString)
                ? SqlCallLog.Postgres(o.PostgresConnectionString, node, seed)
                : SqlCallLog.Sqlite(Path.IsPathRooted(o.SqlitePath) ? o.SqlitePath : Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, o.SqlitePath), node, seed);
            var logger = sp.GetRequiredService<ILogger<SqlCallLog>>();
            logger.LogInformation("Emotion log: {Database}", log.Description);
            // Resolved when the hosted services are built, before the server listens: no session of this run is open yet.
            int interrupted = log.CloseInterrupted();
            if (interrupted > 0)
                logger.LogWarning("Emotion log: {Count} sessions left open by a previous run of node {Node} (it did not stop gracefully) marked interrupted", interrupted, node);
            return log;
        });
        services.AddSingleton<CallLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<CallLogWriter>());
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        services.AddValidatedOptions<PhoneBridgeOptions>(configuration, PhoneBridgeOptions.Section);
        services.AddSingleton<AudioSocketListener>();
        services.AddHostedService(sp => sp.GetRequiredService<AudioSocketListener>());
        services.AddSingleton<HubMetrics>();
        services.AddVoiceEmotionOpenApi();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HubMetrics.MeterName, VoiceEmotion.Pipeline.Streaming.PipelineMetrics.MeterName)
            .AddRuntimeInstrumentation()
            .AddView("voiceemotion.update.latency", new ExplicitBucketHistogramConfiguration { Boundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] })
            .AddView("voiceemotion.inference.batch_size", new ExplicitBucketHistogramConfiguration { Boundaries = [1, 2, 4, 8, 16, 32] })
            .AddPrometheusExporter());
        var health = services.AddHealthChecks()
            .AddCheck<ModelHealthCheck>("model", tags: ["ready"])
            .AddCheck<CallLogHealthCheck>("calllog", tags: ["ready"]);
        var signalR = services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 1024 * 1024;
            o.StreamBufferCapacity = 16;
            o.EnableDetailedErrors = false;
        }).AddMessagePackProtocol(o =>
            // Audio chunks arrive in arrays of a pool that the pipeline returns them to (no ~32 KB of garbage per audio second).
            o.SerializerOptions = Hubs.PooledChunkFormatter.Apply(o.SerializerOptions, VoiceEmotion.Pipeline.Streaming.ChunkPool.Shared));

        // Scale-out: SignalR's Redis backplane carries group and connection messages between nodes; a Redis hash is
        // the directory of live sessions; the emotion log must then be PostgreSQL (docs/DEPLOYMENT.md).
        var scaleOut = configuration.GetSection(ScaleOutOptions.Section);
        services.AddValidatedOptions<ScaleOutOptions>(configuration, ScaleOutOptions.Section);
        var redis = scaleOut.Get<ScaleOutOptions>()?.Redis;
        if (!string.IsNullOrWhiteSpace(redis))
        {
            var redisOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis);
            redisOptions.AbortOnConnectFail = false; // start, and reconnect, even if Redis is briefly away
            services.AddSingleton<StackExchange.Redis.IConnectionMultiplexer>(_ => StackExchange.Redis.ConnectionMultiplexer.Connect(redisOptions));
            signalR.AddStackExchangeRedis(o =>
            {
                o.Configuration = redisOptions.Clone();
                o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("voiceemotion");
            });
            services.AddSingleton<RedisSessionDirectory>();
            services.AddSingleton<ISessionDirectory>(sp => sp.GetRequiredService<RedisSessionDirectory>());
            services.AddHostedService(sp => sp.GetRequiredService<RedisSessionDirectory>());
            health.AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }
        else
        {
            services.AddSingleton<ISessionDirectory>(sp => sp.GetRequiredService<NodeSessions>());
        }
        return services;
    }

    /// <summary>Adds the middleware the endpoints need (WebSockets, authentication, authorisation) and the start-up check
    /// that keeps a server without credentials on loopback. Call before <see cref="MapVoiceEmotion"/>.</summary>
    public static WebApplication UseVoiceEmotion(this WebApplication app)
    {
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        AuthSetup.GuardLoopback(app);
        return app;
    }

    /// <summary>Maps the hub, the HTTP API, the phone endpoints, health checks and metrics.</summary>
    public static WebApplication MapVoiceEmotion(this WebApplication app)
    {
        app.MapHub<EmotionHub>(EmotionHub.Path).RequireAuthorization();
        app.MapTwilioMediaStreams();
        app.MapAnalyze();
        app.MapCallLog();
        app.MapCalls();
        Alerts.AlertRuleEndpoints.MapAlertRules(app);
        app.MapGet("/healthz", (NodeSessions sessions) => Results.Ok(new HealthStatus("ok", sessions.Count)))
            .WithTags(OpenApiSetup.OperationsTag).WithSummary("Is the process up; how many live sessions").Produces<HealthStatus>();
        // Liveness: the process answers. Readiness: the model and the emotion log work (a load balancer's signal).
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = async (context, report) => await context.Response.WriteAsJsonAsync(new ReadinessReport(
                report.Status.ToString(),
                report.Entries.ToDictionary(e => e.Key, e => new ReadinessCheck(e.Value.Status.ToString(), e.Value.Description)))),
        });
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Roles.SupervisePolicy);
        app.MapVoiceEmotionDocs();
        return app;
    }
}
