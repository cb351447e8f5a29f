namespace VoiceEmotion.StreamHub.Security;

/// <summary>
/// Who may use the service (configuration section "Auth"). With neither API keys nor JWT configured the server trusts
/// every caller with every role — and therefore listens on loopback only (see <see cref="AuthSetup.RestrictToLoopback"/>).
/// </summary>
public sealed class AuthOptions : IValidatedOptions
{
    public const string Section = "Auth";

    /// <summary>Static API keys: for phone bridges, servers and scripts.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer tokens from an identity provider (Authority) or signed with a shared key (SigningKey).</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Remote addresses allowed to open AudioSocket connections (the protocol carries no credentials).
    /// Empty: loopback only.</summary>
    public List<string> AudioSocketAllowedAddresses { get; set; } = [];

    /// <summary>Owner recorded for AudioSocket calls (what a client key must be named to see them).</summary>
    public string AudioSocketOwner { get; set; } = "audiosocket";

    public bool Configured => ApiKeys.Count > 0 || Jwt.Configured;

    // The secrets themselves are never echoed, only their lengths.
    public IEnumerable<string?> Problems()
    {
        for (int i = 0; i < ApiKeys.Count; i++)
        {
            var key = ApiKeys[i];
            string at = $"{Section}:{nameof(ApiKeys)}:{i}";
            yield return OptionsValidation.Required($"{at}:{nameof(ApiKeyOptions.Name)}", key.Name);
            if (key.Key.Length < 16) yield return OptionsValidation.Invariant($"{at}:{nameof(ApiKeyOptions.Key)} must be at least 16 characters, was {key.Key.Length}");
            if (key.Roles.Count == 0 || key.Roles.Any(r => !Security.Roles.All.Contains(r)))
                yield return $"{at}:{nameof(ApiKeyOptions.Roles)} must be one or more of {string.Join(", ", Security.Roles.All)}, was '{string.Join(", ", key.Roles)}'";
        }
        if (string.IsNullOrWhiteSpace(Jwt.Authority) && !string.IsNullOrWhiteSpace(Jwt.SigningKey) && System.Text.Encoding.UTF8.GetByteCount(Jwt.SigningKey) < 32)
            yield return OptionsValidation.Invariant($"{Section}:{nameof(Jwt)}:{nameof(JwtOptions.SigningKey)} must be at least 32 bytes, was {System.Text.Encoding.UTF8.GetByteCount(Jwt.SigningKey)}");
        yield return OptionsValidation.Required($"{Section}:{nameof(Jwt)}:{nameof(JwtOptions.Audience)}", Jwt.Audience);
    }
}

public sealed class ApiKeyOptions
{
    /// <summary>Who this key is: sessions it streams are owned by this name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret (at least 16 characters; compare is constant-time over SHA-256 digests).</summary>
    public string Key { get; set; } = "";

    /// <summary>Any of client, supervisor, admin.</summary>
    public List<string> Roles { get; set; } = [];
}

public sealed class JwtOptions
{
    /// <summary>OpenID Connect issuer URL: signing keys come from its discovery document.</summary>
    public string? Authority { get; set; }

    /// <summary>Shared HMAC key (HS256), at least 32 bytes of text; for deployments without an identity provider.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Expected "iss" (with SigningKey; an Authority sets its own).</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected "aud".</summary>
    public string Audience { get; set; } = "voiceemotion";

    /// <summary>Claim holding the roles (a string or an array of strings).</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>Claim naming the caller (the owner of the sessions it streams).</summary>
    public string NameClaim { get; set; } = "sub";

    public bool Configured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
