using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace VoiceEmotion.StreamHub.Security;

/// <summary>
/// The "ApiKey" scheme: a key in <c>X-Api-Key</c>, <c>Authorization: Bearer</c>, or — where browsers and phone bridges
/// cannot set headers (the hub's WebSocket, the phone endpoints) — the <c>access_token</c> query parameter. With no
/// authentication configured, every caller is <see cref="Credentials.Local"/>.
/// </summary>
public sealed class CredentialsHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Credentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!credentials.Configured) return AuthenticateResult.Success(new AuthenticationTicket(Credentials.Local, SchemeName));
        var token = AuthSetup.TokenOf(Request);
        if (token is null) return AuthenticateResult.NoResult();
        var (user, error) = await credentials.ValidateAsync(token, Context.RequestAborted);
        return user is null ? AuthenticateResult.Fail(error!) : AuthenticateResult.Success(new AuthenticationTicket(user, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Response.WriteAsJsonAsync(new Contracts.ApiError("unauthorized", "send an API key (X-Api-Key or Authorization: Bearer) or a JWT"));
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new Contracts.ApiError("forbidden", "your credentials lack the role this needs: client streams, supervisor watches and queries, admin deletes"));
    }
}
