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
    ];

    /// <summary>Brings a database to the latest version; returns the version it was at. On PostgreSQL an advisory lock
    /// keeps nodes starting together from migrating twice.</summary>
    public static int Migrate(DbConnection connection, bool postgres = false)
    {
        if (postgres) Execute(connection, null, "SELECT pg_advisory_lock(7218460093)");
        try
        {
            return MigrateLocked(connection);
        }
        finally
        {
            if (postgres) Execute(connection, null, "SELECT pg_advisory_unlock(7218460093)");
        }
    }

    private static int MigrateLocked(DbConnection connection)
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
