using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using Server = VoiceEmotion.StreamHub.Contracts;
using Log = VoiceEmotion.StreamHub.CallLog;
using Rules = VoiceEmotion.StreamHub.Alerts;

namespace VoiceEmotion.Client.Tests;

/// <summary>
/// The library keeps its own copy of the wire types (it cannot reference the server). This holds each one to the
/// server's type field by field — wire name and kind of value — so a field added, renamed or retyped on one side fails here.
/// </summary>
public sealed class ContractShapeTests
{
    public static TheoryData<Type, Type> Pairs => new()
    {
        { typeof(Server.StartSessionRequest), typeof(StartSessionRequest) },
        { typeof(Server.SessionStarted), typeof(SessionStarted) },
        { typeof(Server.EmotionUpdateMessage), typeof(EmotionUpdate) },
        { typeof(Server.EmotionUpdateCompact), typeof(CompactEmotionUpdate) },
        { typeof(Server.SessionSummaryMessage), typeof(SessionSummary) },
        { typeof(Server.SessionErrorMessage), typeof(SessionError) },
        { typeof(Server.LiveSessionInfo), typeof(LiveSessionInfo) },
        { typeof(Server.AlertMessage), typeof(AlertMessage) },
        { typeof(Server.ApiError), typeof(ApiError) },
        { typeof(Server.AnalyzeResponse), typeof(AnalyzeResult) },
        { typeof(Server.AnalysisJobStatus), typeof(AnalysisJobStatus) },
        { typeof(Server.AnalysisJobProgress), typeof(AnalysisJobProgress) },
        { typeof(Log.SessionRecord), typeof(SessionRecord) },
        { typeof(Log.SessionPage), typeof(SessionPage) },
        { typeof(Log.SessionDetails), typeof(SessionDetails) },
        { typeof(Log.SessionExport), typeof(SessionExport) },
        { typeof(Log.CallRecord), typeof(CallRecord) },
        { typeof(Log.CallTrack), typeof(CallTrack) },
        { typeof(Log.CallPage), typeof(CallPage) },
        { typeof(Log.CallDetails), typeof(CallDetails) },
        { typeof(Log.StatsResult), typeof(StatsResult) },
        { typeof(Log.StatsBucket), typeof(StatsBucket) },
        { typeof(Rules.AlertRuleRecord), typeof(AlertRuleRecord) },
        { typeof(Rules.AlertRuleInput), typeof(AlertRuleInput) },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void TheClientTypeCarriesExactlyTheServersFields(Type server, Type client) =>
        Assert.Equal(Shape(server), Shape(client));

    private static SortedDictionary<string, string> Shape(Type type) => new(
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsStatic: false } && p.GetIndexParameters().Length == 0 && !OffTheWire(p))
            .ToDictionary(WireName, p => Kind(p.PropertyType)), StringComparer.Ordinal);

    /// <summary>A server-side convenience (e.g. SessionRecord.CallKey) that neither protocol writes.</summary>
    private static bool OffTheWire(PropertyInfo p) =>
        p.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always } || p.GetCustomAttribute<MessagePack.IgnoreMemberAttribute>() is not null;

    private static string WireName(PropertyInfo p) =>
        p.GetCustomAttribute<MessagePack.KeyAttribute>()?.StringKey
        ?? p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
        ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..];

    private static string Kind(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string)) return "string";
        if (t == typeof(bool)) return "bool";
        if (t == typeof(int) || t == typeof(long)) return "integer";
        if (t == typeof(float) || t == typeof(double)) return "number";
        if (t == typeof(DateTimeOffset)) return "time";
        var map = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (map is not null) return $"map<{Kind(map.GetGenericArguments()[0])},{Kind(map.GetGenericArguments()[1])}>";
        var list = t.GetInterfaces().Append(t).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        if (list is not null) return $"list<{Kind(list.GetGenericArguments()[0])}>";
        if (typeof(IEnumerable).IsAssignableFrom(t)) return "list";
        return "{" + string.Join(",", Shape(t).Select(kv => kv.Key + ":" + kv.Value)) + "}";
    }
}
