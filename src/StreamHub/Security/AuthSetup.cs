using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.IdentityModel.Tokens;

namespace VoiceEmotion.StreamHub.Security;

/// <summary>Authentication (API keys, JWT bearer) and the role policies; the loopback-only rule when none is configured.</summary>
public static class AuthSetup
{
    private const string PolicyScheme = "VoiceEmotion";

    public static IServiceCollection AddVoiceEmotionAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AuthOptions.Section);
        services.AddValidatedOptions<AuthOptions>(configuration, AuthOptions.Section);
        var auth = section.Get<AuthOptions>() ?? new AuthOptions();
        services.AddSingleton<Credentials>();
        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "API key or JWT", o =>
            {
                // A JWT goes to the JwtBearer handler, anything else (or nothing) to the API-key handler; refusals
                // always answer in the API-key handler's JSON.
                o.ForwardDefaultSelector = context =>
                    auth.Jwt.Configured && TokenOf(context.Request) is { } t && Credentials.LooksLikeJwt(t) ? JwtBearerDefaults.AuthenticationScheme : CredentialsHandler.SchemeName;
                o.ForwardChallenge = CredentialsHandler.SchemeName;
                o.ForwardForbid = CredentialsHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, CredentialsHandler>(CredentialsHandler.SchemeName, null)
            .AddJwtBearer(o =>
            {
                var jwt = auth.Jwt;
                o.MapInboundClaims = false;
                o.Audience = jwt.Audience;
                o.TokenValidationParameters.ValidAudience = jwt.Audience;
                o.TokenValidationParameters.NameClaimType = jwt.NameClaim;
                o.TokenValidationParameters.RoleClaimType = jwt.RoleClaim;
                if (!string.IsNullOrWhiteSpace(jwt.Authority))
                {
                    o.Authority = jwt.Authority;
                    o.RequireHttpsMetadata = jwt.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                }
                else if (!string.IsNullOrWhiteSpace(jwt.SigningKey))
                {
                    var key = Encoding.UTF8.GetBytes(jwt.SigningKey);
                    if (key.Length < 32) throw new InvalidOperationException("Auth:Jwt:SigningKey must be at least 32 bytes");
                    o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(key);
                    o.TokenValidationParameters.ValidIssuer = jwt.Issuer;
                    o.TokenValidationParameters.ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer);
                }
                o.Events = new JwtBearerEvents { OnMessageReceived = context => { context.Token = TokenOf(context.Request); return Task.CompletedTask; } };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.StreamPolicy, p => p.RequireRole(Roles.Client))
            .AddPolicy(Roles.SupervisePolicy, p => p.RequireRole(Roles.Supervisor, Roles.Admin))
            .AddPolicy(Roles.AdminPolicy, p => p.RequireRole(Roles.Admin));
        return services;
    }

    /// <summary>The secret a request presents: X-Api-Key, Authorization: Bearer, or (hub and phone paths only, where
    /// WebSocket clients cannot set headers) the access_token query parameter.</summary>
    public static string? TokenOf(HttpRequest request)
    {
        if (request.Headers["X-Api-Key"].ToString() is { Length: > 0 } key) return key;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization[7..].Trim();
        if ((request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/phone"))
            && request.Query["access_token"].ToString() is { Length: > 0 } query) return query;
        return null;
    }

    /// <summary>
    /// With no authentication configured, every URL the server would bind is rewritten to loopback (same scheme and
    /// port), and the start-up log says so. Returns the URLs to use and whether anything changed.
    /// </summary>
    public static (string Urls, bool Changed) RestrictToLoopback(string urls)
    {
        bool changed = false;
        var result = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url =>
        {
            var host = HostOf(url);
            if (IsLoopbackHost(host)) return url;
            changed = true;
            return url.Replace("://" + host, "://127.0.0.1", StringComparison.Ordinal); // not "localhost": Kestrel cannot bind localhost:0
        });
        return (string.Join(';', result), changed);
    }

    private static string HostOf(string url)
    {
        int start = url.IndexOf("://", StringComparison.Ordinal) + 3;
        int end = url[start..].StartsWith('[') ? url.IndexOf(']', start) + 1 : url.IndexOf(':', start);
        if (end <= 0) end = url.IndexOf('/', start) is > 0 and var slash ? slash : url.Length;
        return url[start..end];
    }

    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Start-up line about authentication; and the backstop: a server with no authentication that finds itself
    /// bound beyond loopback (e.g. through Kestrel:Endpoints) stops with an error rather than serve the network.</summary>
    public static void GuardLoopback(WebApplication app)
    {
        var credentials = app.Services.GetRequiredService<Credentials>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceEmotion.Auth");
        var auth = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (credentials.Configured)
            {
                logger.LogInformation("Authentication: {Keys} API key(s){Jwt}; roles client, supervisor, admin", auth.ApiKeys.Count,
                    auth.Jwt.Configured ? $", JWT bearer ({auth.Jwt.Authority ?? "shared signing key"}, audience {auth.Jwt.Audience})" : "");
                return;
            }
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var exposed = addresses.Where(a => !IsLoopbackHost(HostOf(a))).ToList();
            if (exposed.Count > 0)
            {
                logger.LogCritical("No authentication is configured but the server is bound to {Addresses}: refusing to serve. Configure Auth:ApiKeys or Auth:Jwt, or bind to localhost.",
                    string.Join(", ", exposed));
                app.Lifetime.StopApplication();
                return;
            }
            logger.LogWarning("No authentication configured (Auth:ApiKeys / Auth:Jwt): listening on localhost only ({Addresses}); every local caller has every role",
                string.Join(", ", addresses));
        });
    }
}
