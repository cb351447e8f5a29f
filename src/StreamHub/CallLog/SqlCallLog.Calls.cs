using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>Calls (sessions grouped by call) and trends: the `calls` table (schema v4), one row per call, recomputed from
/// its sessions in the transaction that changed them.</summary>
public sealed partial class SqlCallLog
{
    private static readonly string[] SpeechColumns = EmotionLabels.All.Select(l => "speech_" + l).ToArray();

    private static readonly string CallColumns =
        "id, source, label, agent, queue, owner, status, started_at, ended_at, speech_s, dominant, angry_share, negative_share, alerts, "
        + string.Join(", ", SpeechColumns);

    /// <summary>The sort orders GET /api/calls accepts ('-' first: descending), and the SQL each sorts by. NULLs sort as
    /// the lowest value on both databases.</summary>
    public static IReadOnlyDictionary<string, string> CallSorts { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["startedAt"] = "started_at",
        ["endedAt"] = "COALESCE(ended_at, 0)",
        ["speechSeconds"] = "speech_s",
        ["negativeShare"] = "COALESCE(negative_share, -1)",
        ["angryShare"] = "COALESCE(angry_share, -1)",
        ["alerts"] = "alerts",
        ["source"] = "source",
        ["label"] = "COALESCE(label, '')",
        ["agent"] = "COALESCE(agent, '')",
        ["queue"] = "COALESCE(queue, '')",
    };

    /// <summary>The columns GET /api/stats may group by (they exist in both calls and sessions).</summary>
    public static IReadOnlyList<string> StatsGroups { get; } = ["source", "label", "agent", "queue"];

    /// <summary>Rewrites one call's row from its sessions (deletes it when none is left).</summary>
    private static void RecomputeCall(DbConnection connection, DbTransaction? tx, string key)
    {
        int tracks = 0, live = 0, interrupted = 0;
        string source = "", status;
        string? label = null, agent = null, queue = null, owner = null;
        long startedAt = long.MaxValue, endedAt = 0;
        double speech = 0;
        var byLabel = new double[EmotionLabels.Count];
        var byMean = new double[EmotionLabels.Count];
        using (var read = Command(connection, tx,
            "SELECT source, label, agent, queue, owner, status, started_at, ended_at, speech_s, share_json, mean_json FROM sessions WHERE call_key = @k ORDER BY started_at, id",
            ("@k", key)))
        using (var r = read.ExecuteReader())
        {
            while (r.Read())
            {
                if (tracks++ == 0)
                {
                    // The first track speaks for the call (a Twilio call's tracks share source, parameters and owner).
                    source = r.GetString(0);
                    label = r.IsDBNull(1) ? null : r.GetString(1);
                    agent = r.IsDBNull(2) ? null : r.GetString(2);
                    queue = r.IsDBNull(3) ? null : r.GetString(3);
                    owner = r.IsDBNull(4) ? null : r.GetString(4);
                }
                string? sessionStatus = r.IsDBNull(5) ? null : r.GetString(5);
                startedAt = Math.Min(startedAt, r.GetInt64(6));
                if (r.IsDBNull(7)) live++;
                else endedAt = Math.Max(endedAt, r.GetInt64(7));
                if (sessionStatus == SessionStatus.Interrupted) interrupted++;
                if (!r.IsDBNull(8) && !r.IsDBNull(9))
                {
                    double s = r.GetDouble(8);
                    speech += s;
                    var share = JsonSerializer.Deserialize<Dictionary<string, float>>(r.GetString(9))!;
                    for (int k = 0; k < EmotionLabels.Count; k++) byLabel[k] += s * share.GetValueOrDefault(EmotionLabels.All[k]);
                    if (!r.IsDBNull(10))
                    {
                        var mean = JsonSerializer.Deserialize<Dictionary<string, float>>(r.GetString(10))!;
                        for (int k = 0; k < EmotionLabels.Count; k++) byMean[k] += s * mean.GetValueOrDefault(EmotionLabels.All[k]);
                    }
                }
            }
        }
        if (tracks == 0)
        {
            using var delete = Command(connection, tx, "DELETE FROM calls WHERE id = @k", ("@k", key));
            delete.ExecuteNonQuery();
            return;
        }
        status = live > 0 ? SessionStatus.Live : interrupted > 0 ? SessionStatus.Interrupted : SessionStatus.Ended;
        long alerts;
        using (var count = Command(connection, tx, "SELECT COUNT(*) FROM alerts a JOIN sessions s ON s.id = a.session_id WHERE s.call_key = @k", ("@k", key)))
            alerts = Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        string? dominant = null;
        double? angry = null, negative = null;
        if (speech > 0)
        {
            // The summaries' rule, so a one-track call's dominant is its session's.
            dominant = EmotionLabels.All[EmotionLabels.DominantIndex(byLabel, byMean)];
            angry = byLabel[EmotionLabels.Angry] / speech;
            negative = EmotionLabels.Negative.Sum(l => byLabel[EmotionLabels.IndexOf(l)]) / speech;
        }
        var columns = "id, source, label, agent, queue, owner, status, started_at, ended_at, tracks, speech_s, dominant, angry_share, negative_share, alerts, "
            + string.Join(", ", SpeechColumns);
        var names = columns.Split(", ");
        var sql = $"INSERT INTO calls ({columns}) VALUES ({string.Join(", ", names.Select(n => "@" + n))}) ON CONFLICT (id) DO UPDATE SET "
            + string.Join(", ", names.Skip(1).Select(n => $"{n} = excluded.{n}"));
        using var upsert = Command(connection, tx, sql);
        object?[] values = [key, source, label, agent, queue, owner, status, startedAt, live > 0 ? null : endedAt, tracks, speech, dominant, angry, negative, (int)alerts,
            .. byLabel.Select(v => (object?)v)];
        for (int i = 0; i < names.Length; i++) Add(upsert, "@" + names[i], values[i]);
        upsert.ExecuteNonQuery();
    }

    public CallPage ListCalls(CallQuery q)
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        void Filter(string sql, string name, object? value)
        {
            if (value is null) return;
            where.Append(" AND ").Append(sql);
            parameters.Add((name, value));
        }
        SharedFilters(Filter, q.From, q.To, q.Source, q.Dominant, q.MinAngryShare, q.MinNegativeShare, q.Owner);
        Filter("label = @label", "@label", q.Label);
        Filter("agent = @agent", "@agent", q.Agent);
        Filter("queue = @queue", "@queue", q.Queue);
        bool descending = q.Sort.StartsWith('-');
        string order = CallSorts[q.Sort.TrimStart('-')] + (descending ? " DESC" : "");
        using var connection = Open();
        int total;
        using (var count = Command(connection, null, "SELECT COUNT(*) FROM calls" + where, [.. parameters]))
            total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        var calls = new List<CallRow>();
        using (var page = Command(connection, null, $"SELECT {CallColumns} FROM calls{where} ORDER BY {order}, id LIMIT @limit OFFSET @offset",
            [.. parameters, ("@limit", Math.Clamp(q.Limit, 1, 1000)), ("@offset", Math.Max(0, q.Offset))]))
        using (var r = page.ExecuteReader())
            while (r.Read()) calls.Add(ReadCall(r));
        var tracks = Tracks(connection, calls.Select(c => c.Id).ToList());
        return new CallPage(total, calls.Select(c => c.With(tracks.GetValueOrDefault(c.Id) ?? [])).ToList());
    }

    /// <summary>One call with its tracks, or null.</summary>
    public CallRecord? GetCall(string callId)
    {
        using var connection = Open();
        CallRow? call = null;
        using (var c = Command(connection, null, $"SELECT {CallColumns} FROM calls WHERE id = @id", ("@id", callId)))
        using (var r = c.ExecuteReader())
            if (r.Read()) call = ReadCall(r);
        return call?.With(Tracks(connection, [callId]).GetValueOrDefault(callId) ?? []);
    }

    /// <summary>The alerts raised on any track of a call, in the order they were raised.</summary>
    public IReadOnlyList<AlertMessage> CallAlerts(string callId)
    {
        using var connection = Open();
        using var c = Command(connection, null,
            "SELECT a.id, a.session_id, a.rule, a.label, a.start_time, a.sustained_s, a.mean_probability, a.raised_at, s.source, s.call_id, s.track "
            + "FROM alerts a JOIN sessions s ON s.id = a.session_id WHERE s.call_key = @k ORDER BY a.raised_at, a.id", ("@k", callId));
        var list = new List<AlertMessage>();
        using var r = c.ExecuteReader();
        while (r.Read())
            list.Add(new AlertMessage(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetDouble(5), r.GetDouble(6),
                r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7))));
        return list;
    }

    /// <summary>
    /// Trends: per bucket of start time (UTC) and value of the grouping column, the calls started, their speech seconds
    /// and per-label speech seconds (one GROUP BY over the calls table), and the alerts raised in the bucket (one GROUP
    /// BY over alerts by raise time, grouped by their session's column). Both sums are the database's; this only divides.
    /// </summary>
    public StatsResult Stats(StatsQuery q, string bucketName)
    {
        if (!StatsGroups.Contains(q.GroupBy)) throw new ArgumentException($"cannot group by '{q.GroupBy}'");
        long b = q.BucketMilliseconds;
        var range = new List<(string, object?)> { ("@from", q.From.ToUnixTimeMilliseconds()), ("@to", q.To.ToUnixTimeMilliseconds()), ("@owner", q.Owner) };
        string owner = q.Owner is null ? "" : " AND owner = @owner";
        var rows = new Dictionary<(long Start, string? Group), (long Calls, double Speech, double[] ByLabel, long Alerts)>();
        using var connection = Open();
        using (var calls = Command(connection, null,
            $"SELECT (started_at / {b}) * {b}, {q.GroupBy}, COUNT(*), SUM(speech_s), {string.Join(", ", SpeechColumns.Select(c => $"SUM({c})"))} "
            + $"FROM calls WHERE started_at >= @from AND started_at < @to{owner} GROUP BY 1, 2", [.. range]))
        using (var r = calls.ExecuteReader())
        {
            while (r.Read())
            {
                var byLabel = new double[EmotionLabels.Count];
                for (int k = 0; k < byLabel.Length; k++) byLabel[k] = Convert.ToDouble(r.GetValue(4 + k), CultureInfo.InvariantCulture);
                rows[(Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), r.IsDBNull(1) ? null : r.GetString(1))] =
                    (Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture), Convert.ToDouble(r.GetValue(3), CultureInfo.InvariantCulture), byLabel, 0);
            }
        }
        using (var alerts = Command(connection, null,
            $"SELECT (a.raised_at / {b}) * {b}, s.{q.GroupBy}, COUNT(*) FROM alerts a JOIN sessions s ON s.id = a.session_id "
            + $"WHERE a.raised_at >= @from AND a.raised_at < @to{(q.Owner is null ? "" : " AND s.owner = @owner")} GROUP BY 1, 2", [.. range]))
        using (var r = alerts.ExecuteReader())
        {
            while (r.Read())
            {
                var key = (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), r.IsDBNull(1) ? null : r.GetString(1));
                var row = rows.GetValueOrDefault(key, (0, 0, new double[EmotionLabels.Count], 0));
                rows[key] = row with { Alerts = Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture) };
            }
        }
        var buckets = rows.OrderBy(kv => kv.Key.Start).ThenBy(kv => kv.Key.Group, StringComparer.Ordinal).Select(kv =>
        {
            var (calls, speech, byLabel, alerts) = kv.Value;
            var share = new Dictionary<string, double>();
            for (int k = 0; k < EmotionLabels.Count; k++) share[EmotionLabels.All[k]] = speech > 0 ? byLabel[k] / speech : 0;
            double negative = EmotionLabels.Negative.Sum(l => share[l]);
            return new StatsBucket(DateTimeOffset.FromUnixTimeMilliseconds(kv.Key.Start), kv.Key.Group, (int)calls, speech, share, negative, (int)alerts);
        }).ToList();
        return new StatsResult(q.From, q.To, bucketName, q.GroupBy, buckets);
    }

    private sealed record CallRow(string Id, string Source, string? Label, string? Agent, string? Queue, string? Owner, string Status,
        DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double Speech, string? Dominant, double? Angry, double? Negative, int Alerts, double[] ByLabel)
    {
        public CallRecord With(IReadOnlyList<CallTrack> tracks)
        {
            var share = new Dictionary<string, double>();
            for (int k = 0; k < EmotionLabels.Count; k++) share[EmotionLabels.All[k]] = Speech > 0 ? ByLabel[k] / Speech : 0;
            return new CallRecord(Id, Source, Label, Agent, Queue, Owner, Status, StartedAt, EndedAt, Speech, Dominant, Angry, Negative, share, Alerts, tracks);
        }
    }

    private static CallRow ReadCall(DbDataReader r)
    {
        var byLabel = new double[EmotionLabels.Count];
        for (int k = 0; k < byLabel.Length; k++) byLabel[k] = r.GetDouble(14 + k);
        return new CallRow(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
            r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)), r.GetDouble(9), r.IsDBNull(10) ? null : r.GetString(10),
            r.IsDBNull(11) ? null : r.GetDouble(11), r.IsDBNull(12) ? null : r.GetDouble(12), r.GetInt32(13), byLabel);
    }

    /// <summary>The tracks of these calls (caller before agent, then by start), by call id.</summary>
    private static Dictionary<string, List<CallTrack>> Tracks(DbConnection connection, IReadOnlyList<string> callIds)
    {
        var result = new Dictionary<string, List<CallTrack>>(StringComparer.Ordinal);
        if (callIds.Count == 0) return result;
        var names = callIds.Select((_, i) => $"@k{i}").ToList();
        using var c = Command(connection, null, $"SELECT {SessionColumns}, call_key FROM sessions WHERE call_key IN ({string.Join(", ", names)}) ORDER BY started_at, id",
            [.. names.Zip(callIds, (n, id) => (n, (object?)id))]);
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            var s = ReadSession(r);
            string key = r.GetString(18);
            if (!result.TryGetValue(key, out var list)) result[key] = list = [];
            list.Add(new CallTrack(s.SessionId, s.RoleOrDefault, s.Track, s.Status, s.StartedAt, s.EndedAt, s.Summary));
        }
        foreach (var list in result.Values)
            list.Sort((a, b) => RoleOrder(a.Role).CompareTo(RoleOrder(b.Role)) is var byRole and not 0 ? byRole : a.StartedAt.CompareTo(b.StartedAt));
        return result;
    }

    private static int RoleOrder(string role) => role switch { CallRoles.Caller => 0, CallRoles.Agent => 1, _ => 2 };
}
