using System.Security.Claims;

namespace VoiceEmotion.StreamHub.Security;

/// <summary>
/// The three roles. A client streams and sees only its own sessions; a supervisor watches and queries every session;
/// an admin may also delete. Admin implies supervisor.
/// </summary>
public static class Roles
{
    public const string Client = "client", Supervisor = "supervisor", Admin = "admin";

    public static readonly string[] All = [Client, Supervisor, Admin];

    /// <summary>Authorization policy names (same as the role they require).</summary>
    public const string StreamPolicy = Client, SupervisePolicy = Supervisor, AdminPolicy = Admin;

    public static bool CanStream(this ClaimsPrincipal user) => user.IsInRole(Client);

    public static bool CanSupervise(this ClaimsPrincipal user) => user.IsInRole(Supervisor) || user.IsInRole(Admin);

    public static bool CanDelete(this ClaimsPrincipal user) => user.IsInRole(Admin);

    /// <summary>Who owns what this caller streams.</summary>
    public static string Owner(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";

    /// <summary>May this caller see a session owned by <paramref name="owner"/>?</summary>
    public static bool MaySee(this ClaimsPrincipal user, string? owner) => user.CanSupervise() || (owner is not null && owner == user.Owner());
}
