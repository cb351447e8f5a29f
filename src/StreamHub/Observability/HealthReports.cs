using System.Text.Json.Serialization;

namespace VoiceEmotion.StreamHub.Observability;

/// <summary>Body of GET /healthz.</summary>
public sealed record HealthStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("sessions")] int Sessions);

/// <summary>Body of GET /healthz/ready: the overall status (Healthy, Degraded, Unhealthy) and each check's.</summary>
public sealed record ReadinessReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("checks")] Dictionary<string, ReadinessCheck> Checks);

/// <summary>One readiness check: its status and what it found.</summary>
public sealed record ReadinessCheck(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("description")] string? Description);
