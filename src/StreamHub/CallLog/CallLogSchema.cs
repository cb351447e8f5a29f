using System.Data.Common;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>Versioned schema migrations, applied in order inside a transaction each, recorded in schema_migrations.</summary>
public static class CallLogSchema
{
    /// <summary>Migration n brings the schema from version n to n + 1. Never edit one that has shipped: add the next.</summary>
    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            label TEXT NULL,
            call_id TEXT NULL,
            track TEXT NULL,
            started_at BIGINT NOT NULL,
            ended_at BIGINT NULL,
            duration_s DOUBLE PRECISION NULL,
            speech_s DOUBLE PRECISION NULL,
            updates INTEGER NULL,
            dominant TEXT NULL,
            share_json TEXT NULL,
            mean_json TEXT NULL,
            angry_share DOUBLE PRECISION NULL,
            negative_share DOUBLE PRECISION NULL);
        CREATE INDEX ix_sessions_started ON sessions (started_at);
        CREATE TABLE updates (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            audio_time DOUBLE PRECISION NOT NULL,
            speech BOOLEAN NOT NULL,
            voiced_fraction DOUBLE PRECISION NOT NULL,
            p_neutral DOUBLE PRECISION NOT NULL, p_happy DOUBLE PRECISION NOT NULL, p_sad DOUBLE PRECISION NOT NULL,
            p_angry DOUBLE PRECISION NOT NULL, p_fearful DOUBLE PRECISION NOT NULL, p_disgust DOUBLE PRECISION NOT NULL,
            p_surprised DOUBLE PRECISION NOT NULL,
            top TEXT NULL,
            confidence DOUBLE PRECISION NOT NULL,
            arousal DOUBLE PRECISION NOT NULL,
            valence DOUBLE PRECISION NOT NULL,
            loudness_db DOUBLE PRECISION NOT NULL,
            pitch_hz DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (session_id, seq));
        CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            label TEXT NOT NULL,
            start_time DOUBLE PRECISION NOT NULL,
            sustained_s DOUBLE PRECISION NOT NULL,
            mean_probability DOUBLE PRECISION NOT NULL,
            raised_at BIGINT NOT NULL);
        CREATE INDEX ix_alerts_session ON alerts (session_id);
        """,
        // 2: who streamed each session (clients may read only their own).
        """
        ALTER TABLE sessions ADD COLUMN owner TEXT NULL;
        CREATE INDEX ix_sessions_owner ON sessions (owner, started_at);
        """,
        // 3: how a session ended ('ended' with its summary, 'interrupted' when its process died first) and which node
        // logged it (a restarted node closes only the sessions it left open itself).
        """
        ALTER TABLE sessions ADD COLUMN status TEXT NULL;
        ALTER TABLE sessions ADD COLUMN node TEXT NULL;
        CREATE INDEX ix_sessions_open ON sessions (node, ended_at);
        """,
        // 4: calls. Each session belongs to one call (call_key: the phone call id, or the session's own id for a mic,
        // replay or upload session) with a role (caller, agent, speaker) and the call's agent and queue. `calls` holds
        // one row per call, recomputed from its sessions whenever one starts, ends or raises an alert, so listing,
        // filtering and trends read one small row per call instead of every track's timeline. speech_<label> is the
        // speech seconds whose top was that label, summed over tracks. Alert rules move into the log (seeded from
        // the Alerts:Rules configuration when this migration runs, i.e. once per database).
        """
        ALTER TABLE sessions ADD COLUMN call_key TEXT NULL;
        ALTER TABLE sessions ADD COLUMN role TEXT NULL;
        ALTER TABLE sessions ADD COLUMN agent TEXT NULL;
        ALTER TABLE sessions ADD COLUMN queue TEXT NULL;
        UPDATE sessions SET call_key = COALESCE(call_id, id),
            role = CASE WHEN track = 'outbound' THEN 'agent' WHEN track = 'inbound' THEN 'caller' ELSE 'speaker' END;
        CREATE INDEX ix_sessions_call ON sessions (call_key);
        CREATE TABLE calls (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            label TEXT NULL,
            agent TEXT NULL,
            queue TEXT NULL,
            owner TEXT NULL,
            status TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            ended_at BIGINT NULL,
            tracks INTEGER NOT NULL,
            speech_s DOUBLE PRECISION NOT NULL,
            speech_neutral DOUBLE PRECISION NOT NULL, speech_happy DOUBLE PRECISION NOT NULL, speech_sad DOUBLE PRECISION NOT NULL,
            speech_angry DOUBLE PRECISION NOT NULL, speech_fearful DOUBLE PRECISION NOT NULL, speech_disgust DOUBLE PRECISION NOT NULL,
            speech_surprised DOUBLE PRECISION NOT NULL,
            dominant TEXT NULL,
            angry_share DOUBLE PRECISION NULL,
            negative_share DOUBLE PRECISION NULL,
            alerts INTEGER NOT NULL);
        CREATE INDEX ix_calls_started ON calls (started_at);
        CREATE INDEX ix_calls_source ON calls (source, started_at);
        CREATE INDEX ix_calls_label ON calls (label, started_at);
        CREATE INDEX ix_calls_agent ON calls (agent, started_at);
        CREATE INDEX ix_calls_queue ON calls (queue, started_at);
        CREATE INDEX ix_calls_owner ON calls (owner, started_at);
        CREATE INDEX ix_alerts_raised ON alerts (raised_at);
        CREATE TABLE alert_rules (
            name TEXT PRIMARY KEY,
            emotion TEXT NOT NULL,
            threshold DOUBLE PRECISION NOT NULL,
            sustained_s DOUBLE PRECISION NOT NULL,
            scope_label TEXT NULL,
            scope_queue TEXT NULL,
            updated_at BIGINT NOT NULL,
            updated_by TEXT NULL);
        """,
    ];

    /// <summary>The version whose migration creates the calls table and the alert rules.</summary>
    public const int CallsVersion = 4;

    /// <summary>Brings a database to the latest version; returns the version it was at. On PostgreSQL an advisory lock
    /// keeps nodes starting together from migrating twice. <paramref name="afterMigration"/> runs after each migration
    /// (with the version it reached) inside its transaction.</summary>
    public static int Migrate(DbConnection connection, bool postgres = false, Action<int, DbConnection, DbTransaction>? afterMigration = null)
    {
        if (postgres) Execute(connection, null, "SELECT pg_advisory_lock(7218460093)");
        try
        {
            return MigrateLocked(connection, afterMigration);
        }
        finally
        {
            if (postgres) Execute(connection, null, "SELECT pg_advisory_unlock(7218460093)");
        }
    }

    private static int MigrateLocked(DbConnection connection, Action<int, DbConnection, DbTransaction>? afterMigration)
    {
        Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
        int current = Convert.ToInt32(read.ExecuteScalar());
        if (current > Migrations.Count)
            throw new InvalidOperationException($"the call log is at schema version {current}, newer than this build knows ({Migrations.Count}): upgrade the server");
        for (int v = current; v < Migrations.Count; v++)
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, Migrations[v]);
            // Data steps SQL alone cannot do (backfilling calls, seeding rules from configuration), in the same transaction.
            afterMigration?.Invoke(v + 1, connection, tx);
            Execute(connection, tx, $"INSERT INTO schema_migrations (version, applied_at) VALUES ({v + 1}, {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()})");
            tx.Commit();
        }
        return current;
    }

    private static void Execute(DbConnection connection, DbTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
