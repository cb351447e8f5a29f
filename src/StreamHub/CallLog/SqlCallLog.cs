using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Alerts;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// The emotion log on SQL: SQLite (WAL, synchronous=NORMAL on every connection, <see cref="SqliteTuning"/> — zero configuration, one file) or PostgreSQL (for several
/// nodes). One SQL dialect serves both. Batches of writes go in one transaction; queries open their own connections.
/// </summary>
public sealed partial class SqlCallLog
{
    private readonly Func<DbConnection> _connect;
    private readonly string? _perConnection; // SQLite: pragmas every connection runs with

    private SqlCallLog(Func<DbConnection> connect, string description, bool postgres, string? node, IReadOnlyList<AlertRuleRecord>? seedRules,
        SqliteTuning? sqlite = null)
    {
        _connect = connect;
        Description = description;
        Node = node;
        Shared = postgres;
        RowsPerInsert = postgres ? UpdateInserter.PostgresRows : UpdateInserter.SqliteRows;
        // Synchronous, the page cache and the checkpoint interval belong to each SQLite connection: Open sets them on
        // every one (the pool makes new ones under load). WAL is a property of the file, set once here.
        if (!postgres) _perConnection = (sqlite ?? SqliteTuning.Default).Pragmas;
        using var connection = Open();
        if (!postgres)
        {
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL";
            wal.ExecuteNonQuery();
        }
        CallLogSchema.Migrate(connection, postgres, (version, c, tx) =>
        {
            if (version != CallLogSchema.CallsVersion) return;
            // A log from before calls: each of its sessions' calls gets its row; and the rules start as configured.
            var keys = new List<string>();
            using (var read = Command(c, tx, "SELECT DISTINCT call_key FROM sessions"))
            using (var r = read.ExecuteReader())
                while (r.Read()) keys.Add(r.GetString(0));
            foreach (var key in keys) RecomputeCall(c, tx, key);
            foreach (var rule in seedRules ?? [AlertRuleRecord.From(new AlertRule())])
                InsertAlertRule(c, tx, rule with { UpdatedBy = "configuration" });
        });
    }

    /// <summary>Which database this is (path or host/database), for logs.</summary>
    public string Description { get; }

    /// <summary>The name this process logs its sessions under (several nodes may share a PostgreSQL log).</summary>
    public string? Node { get; }

    /// <summary>True when several nodes may write this log (PostgreSQL); a SQLite file belongs to one process.</summary>
    public bool Shared { get; }

    /// <summary>A SQLite file (created with its folder when missing).</summary>
    public static SqlCallLog Sqlite(string path, string? node = null, IReadOnlyList<AlertRuleRecord>? seedRules = null, SqliteTuning? tuning = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, ForeignKeys = true }.ToString();
        return new SqlCallLog(() => new SqliteConnection(connectionString), full, postgres: false, node, seedRules, tuning);
    }

    /// <summary>A PostgreSQL database by Npgsql connection string.</summary>
    public static SqlCallLog Postgres(string connectionString, string? node = null, IReadOnlyList<AlertRuleRecord>? seedRules = null)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var source = Npgsql.NpgsqlDataSource.Create(connectionString);
        return new SqlCallLog(() => source.CreateConnection(), $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}", postgres: true, node, seedRules);
    }

    public DbConnection Open()
    {
        var connection = _connect();
        connection.Open();
        if (_perConnection is not null)
        {
            try
            {
                using var pragma = connection.CreateCommand();
                pragma.CommandText = _perConnection;
                pragma.ExecuteNonQuery();
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        return connection;
    }

    /// <summary>Update rows per INSERT statement (1 writes them one statement each, as before issue #14); the default is the measured best per database.</summary>
    public int RowsPerInsert { get; set; }

    /// <summary>
    /// Writes a batch in one transaction, in order, with one prepared command per kind of entry reused for every row —
    /// updates, the bulk of the log, <see cref="RowsPerInsert"/> rows per statement (idempotent: an entry written twice
    /// is stored once).
    /// </summary>
    public void Write(IReadOnlyList<LogItem> items)
    {
        if (items.Count == 0) return;
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using var started = Prepare(connection, tx, """
            INSERT INTO sessions (id, source, label, call_id, track, started_at, owner, node, call_key, role, agent, queue)
            VALUES (@id, @source, @label, @call, @track, @started, @owner, @node, @key, @role, @agent, @queue)
            ON CONFLICT (id) DO NOTHING
            """, "@id", "@source", "@label", "@call", "@track", "@started", "@owner", "@node", "@key", "@role", "@agent", "@queue");
        using var callOf = Prepare(connection, tx, "SELECT call_key FROM sessions WHERE id = @id", "@id");
        var calls = new HashSet<string>(StringComparer.Ordinal);
        void Touched(string sessionId)
        {
            callOf.Parameters[0].Value = sessionId;
            if (callOf.ExecuteScalar() is string key) calls.Add(key);
        }
        using var updates = new UpdateInserter(connection, tx, RowsPerInsert);
        using var ended = Prepare(connection, tx, """
            UPDATE sessions SET status = 'ended', ended_at = @ended, duration_s = @duration, speech_s = @speech, updates = @updates, dominant = @dominant,
                share_json = @share, mean_json = @mean, angry_share = @angry, negative_share = @negative WHERE id = @id
            """, "@id", "@ended", "@duration", "@speech", "@updates", "@dominant", "@share", "@mean", "@angry", "@negative");
        using var alert = Prepare(connection, tx, """
            INSERT INTO alerts (id, session_id, rule, label, start_time, sustained_s, mean_probability, raised_at)
            VALUES (@id, @session, @rule, @label, @start, @sustained, @mean, @raised) ON CONFLICT (id) DO NOTHING
            """, "@id", "@session", "@rule", "@label", "@start", "@sustained", "@mean", "@raised");
        foreach (var item in items)
        {
            if (item is LogItem.Update u)
            {
                // Rows wait for a full multi-row statement; any other entry writes them first, so the order holds.
                updates.Add(u.Value);
                continue;
            }
            updates.Flush();
            switch (item)
            {
                case LogItem.Started s:
                    var r0 = s.Session;
                    Run(started, r0.SessionId, r0.Source, r0.Label, r0.CallId, r0.Track, r0.StartedAt.ToUnixTimeMilliseconds(), r0.Owner, Node,
                        r0.CallKey, r0.RoleOrDefault, r0.Agent, r0.Queue);
                    calls.Add(r0.CallKey);
                    break;
                case LogItem.Ended e:
                    var m = SessionSummaryMessage.From(e.Summary);
                    Run(ended, m.SessionId, e.EndedAt.ToUnixTimeMilliseconds(), m.DurationSeconds, m.SpeechSeconds, m.Updates, m.Dominant,
                        JsonSerializer.Serialize(m.Share), JsonSerializer.Serialize(m.MeanProbabilities), (double)m.Share["angry"],
                        EmotionLabels.Negative.Sum(l => (double)m.Share[l]));
                    Touched(m.SessionId);
                    break;
                case LogItem.Raised r:
                    var a = r.Alert;
                    Run(alert, a.AlertId, a.SessionId, a.Rule, a.Label, a.StartTime, a.SustainedSeconds, a.MeanProbability, a.RaisedAt.ToUnixTimeMilliseconds());
                    Touched(a.SessionId);
                    break;
            }
        }
        updates.Flush();
        // Each call touched by this batch is recomputed from its sessions once, in the same transaction: a call's row
        // never disagrees with its tracks, and writing a batch twice still changes nothing.
        foreach (var key in calls) RecomputeCall(connection, tx, key);
        tx.Commit();
    }

    private static DbCommand Prepare(DbConnection connection, DbTransaction tx, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var name in names) Add(command, name, null);
        return command;
    }

    private static void Run(DbCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }

    /// <summary>The filters /api/sessions and /api/calls share: columns of the same names in sessions and calls.</summary>
    private static void SharedFilters(Action<string, string, object?> filter, DateTimeOffset? from, DateTimeOffset? to, string? source,
        string? dominant, double? minAngryShare, double? minNegativeShare, string? owner)
    {
        filter("started_at >= @from", "@from", from?.ToUnixTimeMilliseconds());
        filter("started_at < @to", "@to", to?.ToUnixTimeMilliseconds());
        filter("source = @source", "@source", source);
        filter("dominant = @dominant", "@dominant", dominant);
        filter("angry_share >= @angry", "@angry", minAngryShare);
        filter("negative_share >= @negative", "@negative", minNegativeShare);
        filter("owner = @owner", "@owner", owner);
    }

    public SessionPage List(SessionQuery q)
    {
        var where = new StringBuilder(" WHERE 1 = 1");
        using var connection = Open();
        using var count = connection.CreateCommand();
        using var page = connection.CreateCommand();
        void Filter(string sql, string name, object? value)
        {
            if (value is null) return;
            where.Append(" AND ").Append(sql);
            Add(count, name, value);
            Add(page, name, value);
        }
        SharedFilters(Filter, q.From, q.To, q.Source, q.Dominant, q.MinAngryShare, q.MinNegativeShare, q.Owner);
        count.CommandText = "SELECT COUNT(*) FROM sessions" + where;
        int total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        page.CommandText = $"SELECT {SessionColumns} FROM sessions{where} ORDER BY started_at DESC, id LIMIT @limit OFFSET @offset";
        Add(page, "@limit", Math.Clamp(q.Limit, 1, 1000));
        Add(page, "@offset", Math.Max(0, q.Offset));
        var items = new List<SessionRecord>();
        using var reader = page.ExecuteReader();
        while (reader.Read()) items.Add(ReadSession(reader));
        return new SessionPage(total, items);
    }

    public SessionRecord? Get(string id)
    {
        using var connection = Open();
        using var c = connection.CreateCommand();
        c.CommandText = $"SELECT {SessionColumns} FROM sessions WHERE id = @id";
        Add(c, "@id", id);
        using var reader = c.ExecuteReader();
        return reader.Read() ? ReadSession(reader) : null;
    }

    public IReadOnlyList<EmotionUpdateMessage> Timeline(string id)
    {
        using var connection = Open();
        using var c = connection.CreateCommand();
        c.CommandText = """
            SELECT seq, audio_time, speech, voiced_fraction, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgust, p_surprised,
                   top, confidence, arousal, valence, loudness_db, pitch_hz FROM updates WHERE session_id = @id ORDER BY seq
            """;
        Add(c, "@id", id);
        var list = new List<EmotionUpdateMessage>();
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            var p = new Dictionary<string, float>();
            for (int k = 0; k < EmotionLabels.Count; k++) p[EmotionLabels.All[k]] = (float)r.GetDouble(4 + k);
            list.Add(new EmotionUpdateMessage(id, r.GetInt32(0), r.GetDouble(1), 0, r.GetBoolean(2), (float)r.GetDouble(3), p,
                r.IsDBNull(11) ? null : r.GetString(11), (float)r.GetDouble(12), (float)r.GetDouble(13), (float)r.GetDouble(14),
                (float)r.GetDouble(15), (float)r.GetDouble(16)));
        }
        return list;
    }

    public IReadOnlyList<AlertMessage> Alerts(string id)
    {
        using var connection = Open();
        using var c = connection.CreateCommand();
        c.CommandText = "SELECT a.id, a.rule, a.label, a.start_time, a.sustained_s, a.mean_probability, a.raised_at, s.source, s.call_id, s.track FROM alerts a JOIN sessions s ON s.id = a.session_id WHERE a.session_id = @id ORDER BY a.start_time";
        Add(c, "@id", id);
        var list = new List<AlertMessage>();
        using var r = c.ExecuteReader();
        while (r.Read())
            list.Add(new AlertMessage(r.GetString(0), id, r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5),
                r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))));
        return list;
    }

    /// <summary>Deletes a session with its timeline and alerts; false when there was none.</summary>
    public bool Delete(string id)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        string? key;
        using (var find = Command(connection, tx, "SELECT call_key FROM sessions WHERE id = @id", ("@id", id))) key = find.ExecuteScalar() as string;
        using var c = Command(connection, tx, "DELETE FROM sessions WHERE id = @id", ("@id", id));
        bool deleted = c.ExecuteNonQuery() > 0;
        if (key is not null) RecomputeCall(connection, tx, key);
        tx.Commit();
        return deleted;
    }

    /// <summary>Deletes every track of a call with their timelines and alerts; false when there was no such call.</summary>
    public bool DeleteCall(string callId)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using var c = Command(connection, tx, "DELETE FROM sessions WHERE call_key = @k", ("@k", callId));
        c.ExecuteNonQuery();
        using var d = Command(connection, tx, "DELETE FROM calls WHERE id = @k", ("@k", callId));
        bool deleted = d.ExecuteNonQuery() > 0;
        tx.Commit();
        return deleted;
    }

    /// <summary>Deletes sessions that started before <paramref name="cutoff"/>; returns how many.</summary>
    public int PurgeStartedBefore(DateTimeOffset cutoff)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        var keys = Keys(connection, tx, "SELECT DISTINCT call_key FROM sessions WHERE started_at < @cutoff", ("@cutoff", cutoff.ToUnixTimeMilliseconds()));
        using var c = Command(connection, tx, "DELETE FROM sessions WHERE started_at < @cutoff", ("@cutoff", cutoff.ToUnixTimeMilliseconds()));
        int purged = c.ExecuteNonQuery();
        foreach (var key in keys) RecomputeCall(connection, tx, key);
        tx.Commit();
        return purged;
    }

    /// <summary>
    /// Marks the sessions a previous run of this node left open — it died (SIGKILL, power) before their end was logged —
    /// as ended without a summary: status 'interrupted', ended at the wall time of their last logged update (start +
    /// its audio time; live audio arrives in real time), or at their start when none was logged. On SQLite every open
    /// session is this node's; on a shared PostgreSQL log only those logged under <see cref="Node"/>. Call it before
    /// this process starts sessions of its own. Returns how many were closed.
    /// </summary>
    public int CloseInterrupted()
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        var keys = Keys(connection, tx, "SELECT DISTINCT call_key FROM sessions WHERE ended_at IS NULL" + (Shared ? " AND node = @node" : ""), ("@node", Node));
        using var c = connection.CreateCommand();
        c.Transaction = tx;
        c.CommandText = """
            UPDATE sessions SET status = 'interrupted',
                ended_at = started_at + COALESCE((SELECT CAST(ROUND(MAX(u.audio_time) * 1000) AS BIGINT) FROM updates u WHERE u.session_id = sessions.id), 0)
            WHERE ended_at IS NULL
            """ + (Shared ? " AND node = @node" : "");
        if (Shared) Add(c, "@node", Node);
        int closed = c.ExecuteNonQuery();
        foreach (var key in keys) RecomputeCall(connection, tx, key);
        tx.Commit();
        return closed;
    }

    private const string SessionColumns = "id, source, label, call_id, track, started_at, ended_at, duration_s, speech_s, updates, dominant, share_json, mean_json, owner, status, role, agent, queue";

    private static SessionRecord ReadSession(DbDataReader r)
    {
        string id = r.GetString(0);
        SessionSummaryMessage? summary = r.IsDBNull(7) ? null : new SessionSummaryMessage(id, r.GetDouble(7), r.GetDouble(8), r.GetInt32(9),
            r.IsDBNull(10) ? null : r.GetString(10),
            JsonSerializer.Deserialize<Dictionary<string, float>>(r.GetString(11))!, JsonSerializer.Deserialize<Dictionary<string, float>>(r.GetString(12))!);
        return new SessionRecord(id, r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetString(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
            r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), summary, r.IsDBNull(13) ? null : r.GetString(13),
            // Sessions logged before schema v3 have no status: their end says it.
            !r.IsDBNull(14) ? r.GetString(14) : r.IsDBNull(6) ? SessionStatus.Live : SessionStatus.Ended,
            r.IsDBNull(15) ? null : r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16), r.IsDBNull(17) ? null : r.GetString(17));
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) if (sql.Contains(name, StringComparison.Ordinal)) Add(command, name, value);
        return command;
    }

    private static List<string> Keys(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, tx, sql, parameters);
        using var r = command.ExecuteReader();
        var keys = new List<string>();
        while (r.Read()) if (!r.IsDBNull(0)) keys.Add(r.GetString(0));
        return keys;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }
}
