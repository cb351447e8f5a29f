using Npgsql;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// A database of its own on the real PostgreSQL server that scripts/test.sh installs and starts (VOICEEMOTION_TEST_POSTGRES:
/// a role allowed to create databases); dropped afterwards.
/// </summary>
public sealed class TemporaryPostgres : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _database;

    private TemporaryPostgres(string admin, string database)
    {
        _admin = admin;
        _database = database;
    }

    public string ConnectionString => new NpgsqlConnectionStringBuilder(_admin) { Database = _database }.ToString();

    public const string Missing = "VOICEEMOTION_TEST_POSTGRES is not set: run scripts/test.sh, which starts a PostgreSQL server for these tests";

    /// <summary>A fresh database, or null when no server is configured.</summary>
    public static async Task<TemporaryPostgres?> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("VOICEEMOTION_TEST_POSTGRES") ?? "";
        if (admin.Length == 0) return null;
        var database = $"ve_test_{Guid.NewGuid():N}";
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", c);
        await create.ExecuteNonQueryAsync();
        return new TemporaryPostgres(admin, database);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", c);
        // FORCE terminates the database's other backends, but a test role may not signal an autovacuum worker that
        // happens to be in the fresh database (42501, seen once in CI); it finishes within moments, so try again.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }
}
