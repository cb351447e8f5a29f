using System.Data.Common;
using System.Text;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// Writes update rows with multi-row INSERTs inside one flush's transaction: one command of N rows, built once per
/// flush and reused for every full group, and one of the remainder's size at the end. Values go in as parameters, so
/// nothing is formatted into SQL. The best N differs by database (measured with CallLogBulkInsertTests.UpdateRowsPerSecond,
/// docs/PERFORMANCE.md): PostgreSQL saves a round trip per row, so big statements win (<see cref="PostgresRows"/>);
/// SQLite is in-process and Microsoft.Data.Sqlite looks every parameter up by name, a scan over the statement's
/// parameters, so its cost per row grows with N and small statements win (<see cref="SqliteRows"/>).
/// </summary>
internal sealed class UpdateInserter : IDisposable
{
    /// <summary>64 rows × 18 columns = 1,152 parameters, far under PostgreSQL's limit (65,535).</summary>
    public const int PostgresRows = 64;

    /// <summary>4 rows × 18 columns = 72 parameters.</summary>
    public const int SqliteRows = 4;

    private const int Columns = 18;

    private const string Head = """
        INSERT INTO updates (session_id, seq, audio_time, speech, voiced_fraction, p_neutral, p_happy, p_sad, p_angry, p_fearful,
            p_disgust, p_surprised, top, confidence, arousal, valence, loudness_db, pitch_hz) VALUES
        """;

    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;
    private readonly int _rows;
    private readonly EmotionUpdate[] _pending;
    private int _count;
    private DbCommand? _full;

    public UpdateInserter(DbConnection connection, DbTransaction transaction, int rowsPerStatement)
    {
        _connection = connection;
        _transaction = transaction;
        _rows = Math.Max(1, rowsPerStatement);
        _pending = new EmotionUpdate[_rows];
    }

    /// <summary>Rows written so far.</summary>
    public long Written { get; private set; }

    public void Add(EmotionUpdate update)
    {
        _pending[_count++] = update;
        if (_count == _rows) Flush();
    }

    /// <summary>Writes the rows waiting (a full statement's worth, or fewer with a statement of their own size).</summary>
    public void Flush()
    {
        if (_count == 0) return;
        if (_count == _rows)
        {
            Execute(_full ??= Create(_rows), _count);
        }
        else
        {
            using var partial = Create(_count);
            Execute(partial, _count);
        }
        Array.Clear(_pending, 0, _count);
        _count = 0;
    }

    private DbCommand Create(int rows)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        var sql = new StringBuilder(Head.Length + rows * Columns * 8);
        sql.Append(Head);
        for (int r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "\n(" : ",\n(");
            for (int c = 0; c < Columns; c++)
            {
                if (c > 0) sql.Append(", ");
                string name = $"@u{r}_{c}";
                sql.Append(name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            sql.Append(')');
        }
        sql.Append("\nON CONFLICT (session_id, seq) DO NOTHING");
        command.CommandText = sql.ToString();
        return command;
    }

    private void Execute(DbCommand command, int rows)
    {
        var parameters = command.Parameters;
        for (int r = 0; r < rows; r++)
        {
            var v = _pending[r];
            var p = v.Probabilities;
            int i = r * Columns;
            parameters[i].Value = v.SessionId;
            parameters[i + 1].Value = v.Seq;
            parameters[i + 2].Value = v.AudioTime;
            parameters[i + 3].Value = v.Speech;
            parameters[i + 4].Value = (double)v.VoicedFraction;
            for (int k = 0; k < 7; k++) parameters[i + 5 + k].Value = (double)p[k];
            parameters[i + 12].Value = (object?)v.Top ?? DBNull.Value;
            parameters[i + 13].Value = (double)v.Confidence;
            parameters[i + 14].Value = (double)v.Arousal;
            parameters[i + 15].Value = (double)v.Valence;
            parameters[i + 16].Value = (double)v.LoudnessDb;
            parameters[i + 17].Value = (double)v.PitchHz;
        }
        command.ExecuteNonQuery();
        Written += rows;
    }

    public void Dispose() => _full?.Dispose();
}
