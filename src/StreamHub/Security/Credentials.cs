using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace VoiceEmotion.StreamHub.Security;

/// <summary>
/// Turns a presented secret into a caller: an API key (constant-time match) or a JWT validated exactly as the JwtBearer
/// handler validates it. Used by the authentication handler and by bridges whose token arrives inside the protocol
/// (Twilio's customParameters).
/// </summary>
public sealed class Credentials
{
    public const string LocalName = "local";

    private readonly AuthOptions _options;
    private readonly IOptionsMonitor<JwtBearerOptions> _jwt;
    private readonly (byte[] Digest, ClaimsPrincipal User)[] _keys;

    public Credentials(IOptions<AuthOptions> options, IOptionsMonitor<JwtBearerOptions> jwt)
    {
        _options = options.Value;
        _jwt = jwt;
        foreach (var key in _options.ApiKeys)
        {
            if (string.IsNullOrWhiteSpace(key.Name)) throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), ["every Auth:ApiKeys entry needs a Name"]);
            if (key.Key.Length < 16) throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), [$"API key '{key.Name}' is shorter than 16 characters"]);
            var unknown = key.Roles.Where(r => !Roles.All.Contains(r)).ToList();
            if (unknown.Count > 0 || key.Roles.Count == 0)
                throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), [$"API key '{key.Name}' needs roles from {string.Join(", ", Roles.All)} (got '{string.Join(", ", key.Roles)}')"]);
        }
        _keys = _options.ApiKeys.Select(k => (Digest(k.Key), Principal(k.Name, "ApiKey", k.Roles))).ToArray();
    }

    public bool Configured => _options.Configured;

    /// <summary>The caller every request is when no authentication is configured (loopback only): every role.</summary>
    public static ClaimsPrincipal Local { get; } = Principal(LocalName, "local", Roles.All);

    /// <summary>The caller a secret identifies, or null with the reason.</summary>
    public async Task<(ClaimsPrincipal? User, string? Error)> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!Configured) return (Local, null);
        if (string.IsNullOrEmpty(token)) return (null, "no credentials");
        if (LooksLikeJwt(token) && _options.Jwt.Configured)
        {
            var o = _jwt.Get(JwtBearerDefaults.AuthenticationScheme);
            var parameters = o.TokenValidationParameters.Clone();
            if (o.ConfigurationManager is not null)
            {
                var config = await o.ConfigurationManager.GetConfigurationAsync(cancellationToken);
                parameters.ValidIssuers = [.. parameters.ValidIssuers ?? [], config.Issuer];
                parameters.IssuerSigningKeys = [.. parameters.IssuerSigningKeys ?? [], .. config.SigningKeys];
            }
            var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);
            return result.IsValid ? (new ClaimsPrincipal(result.ClaimsIdentity), null) : (null, $"invalid token: {result.Exception?.Message}");
        }
        var digest = Digest(token);
        ClaimsPrincipal? match = null;
        foreach (var (d, user) in _keys)
            if (CryptographicOperations.FixedTimeEquals(d, digest)) match = user;
        return match is null ? (null, "unknown API key") : (match, null);
    }

    public static bool LooksLikeJwt(string token) => token.Count(c => c == '.') == 2 && token.StartsWith("ey", StringComparison.Ordinal);

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static ClaimsPrincipal Principal(string name, string type, IEnumerable<string> roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], type, ClaimTypes.Name, ClaimTypes.Role));
}
