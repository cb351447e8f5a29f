using System.Data.Common;
using VoiceEmotion.StreamHub.Alerts;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>The alert rules in force, stored in the log database (schema v4) so every node shares them and an edit
/// needs no restart.</summary>
public sealed partial class SqlCallLog
{
    public IReadOnlyList<AlertRuleRecord> AlertRules()
    {
        using var connection = Open();
        using var c = Command(connection, null, "SELECT name, emotion, threshold, sustained_s, scope_label, scope_queue, updated_at, updated_by FROM alert_rules ORDER BY name");
        using var r = c.ExecuteReader();
        var rules = new List<AlertRuleRecord>();
        while (r.Read())
            rules.Add(new AlertRuleRecord(r.GetString(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7)));
        return rules;
    }

    /// <summary>Adds a rule; false when one of that name exists.</summary>
    public bool CreateAlertRule(AlertRuleRecord rule)
    {
        using var connection = Open();
        return InsertAlertRule(connection, null, rule);
    }

    /// <summary>Replaces the rule of that name; false when there is none.</summary>
    public bool ReplaceAlertRule(AlertRuleRecord rule)
    {
        using var connection = Open();
        using var c = Command(connection, null,
            "UPDATE alert_rules SET emotion = @emotion, threshold = @threshold, sustained_s = @sustained, scope_label = @label, scope_queue = @queue, "
            + "updated_at = @at, updated_by = @by WHERE name = @name", Values(rule));
        return c.ExecuteNonQuery() > 0;
    }

    public bool DeleteAlertRule(string name)
    {
        using var connection = Open();
        using var c = Command(connection, null, "DELETE FROM alert_rules WHERE name = @name", ("@name", name));
        return c.ExecuteNonQuery() > 0;
    }

    private static bool InsertAlertRule(DbConnection connection, DbTransaction? tx, AlertRuleRecord rule)
    {
        using var c = Command(connection, tx,
            "INSERT INTO alert_rules (name, emotion, threshold, sustained_s, scope_label, scope_queue, updated_at, updated_by) "
            + "VALUES (@name, @emotion, @threshold, @sustained, @label, @queue, @at, @by) ON CONFLICT (name) DO NOTHING", Values(rule));
        return c.ExecuteNonQuery() > 0;
    }

    private static (string, object?)[] Values(AlertRuleRecord rule) =>
    [
        ("@name", rule.Name), ("@emotion", rule.Emotion), ("@threshold", rule.Threshold), ("@sustained", rule.SustainedSeconds),
        ("@label", rule.ScopeLabel), ("@queue", rule.ScopeQueue), ("@at", (rule.UpdatedAt ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds()),
        ("@by", rule.UpdatedBy),
    ];
}
