using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoiceEmotion.StreamHub;
using VoiceEmotion.StreamHub.PhoneBridge;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>The real StreamHub on Kestrel, bound to a free loopback port, with the bundled model.</summary>
public sealed class HubServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private string? _ownedLog;

    private HubServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public Uri HubUrl => new(Address, "/hubs/emotion");

    public NodeSessions Sessions => _app.Services.GetRequiredService<NodeSessions>();

    /// <summary>The server's services (its real model host, log writer...).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Where the AudioSocket listener is bound (a free loopback port).</summary>
    public System.Net.IPEndPoint AudioSocket => _app.Services.GetRequiredService<AudioSocketListener>().Endpoint!;

    public Uri TwilioUrl => new UriBuilder(Address) { Scheme = "ws", Path = "/phone/twilio" }.Uri;

    public static async Task<HubServer> StartAsync(Action<StreamHubOptions>? configure = null, Action<VoiceEmotion.StreamHub.Alerts.AlertOptions>? configureAlerts = null,
        string? callLogPath = null, string? postgres = null, IDictionary<string, string?>? settings = null, string urls = "http://127.0.0.1:0", ILoggerProvider? logs = null,
        Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(urls);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("VOICEEMOTION_TEST_LOGS") == "1") builder.Logging.AddConsole();
        if (logs is not null) builder.Logging.AddProvider(logs);
        builder.Services.AddVoiceEmotion(builder.Configuration);
        builder.Services.Configure<PhoneBridgeOptions>(o => o.AudioSocketPort = 0);
        // Each server gets its own log file unless a test shares one across a restart.
        string log = callLogPath ?? Path.Combine(Path.GetTempPath(), $"ve-calllog-{Guid.NewGuid():N}.db");
        builder.Services.Configure<VoiceEmotion.StreamHub.CallLog.CallLogOptions>(o => { o.SqlitePath = log; o.FlushMilliseconds = 50; o.PostgresConnectionString = postgres; });
        if (configure is not null) builder.Services.Configure(configure);
        if (configureAlerts is not null) builder.Services.Configure(configureAlerts);
        var app = builder.Build();
        try
        {
            app.UseVoiceEmotion();
            app.MapVoiceEmotion();
            map?.Invoke(app); // endpoints of a test's own, beside the real ones
            app.Services.GetRequiredService<ModelHost>();
            await app.StartAsync();
            await app.Services.GetRequiredService<AudioSocketListener>().Started;
        }
        catch
        {
            await app.DisposeAsync(); // a server that fails to start (a bad setting) leaves no model or threads behind
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HubServer(app, new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"))) { _ownedLog = callLogPath is null ? log : null };
    }

    public IHostApplicationLifetime Lifetime => _app.Lifetime;

    /// <summary>An HTTP client for this server, presenting <paramref name="apiKey"/> (if any) as a bearer credential.</summary>
    public HttpClient Http(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = Address };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    public async Task<HubConnection> ConnectAsync(string protocol, string? token = null)
    {
        var builder = new HubConnectionBuilder().WithUrl(HubUrl, o => { if (token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(token); });
        if (protocol == "messagepack") builder.AddMessagePackProtocol();
        var connection = builder.Build();
        await connection.StartAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownedLog is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { _ownedLog, _ownedLog + "-wal", _ownedLog + "-shm" }) File.Delete(f);
        }
    }
}
