using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Platform.Identity.Keys;

/// <summary>
/// The signing and encryption keys every OpenIddict instance shares. They live in PostgreSQL and are created
/// once, by whichever service starts first, under an advisory lock so that concurrent first starts agree.
/// Key material is a secret: it lives in its own table, never in an event.
/// </summary>
public sealed class KeyRing(NpgsqlDataSource dataSource)
{
    private const long CreationLock = 0x504C_4B45_5953; // "PLKEYS"
    private readonly Lazy<Task<LoadedKeys>> keys = new(() => LoadOrCreateAsync(dataSource));

    public Task<LoadedKeys> GetAsync() => keys.Value;

    private static async Task<LoadedKeys> LoadOrCreateAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({CreationLock})");
        await Execute(connection, transaction, """
            CREATE SCHEMA IF NOT EXISTS platform;
            CREATE TABLE IF NOT EXISTS platform.keys (
                id text PRIMARY KEY,
                use text NOT NULL CHECK (use IN ('sig', 'enc')),
                material bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            """);

        var stored = new Dictionary<string, (string Id, byte[] Material)>();
        await using (var select = new NpgsqlCommand("SELECT use, id, material FROM platform.keys ORDER BY created_at DESC", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.TryAdd(reader.GetString(0), (reader.GetString(1), (byte[])reader[2]));
            }
        }

        if (!stored.TryGetValue("sig", out var signing))
        {
            using var rsa = RSA.Create(2048);
            signing = (NewKeyId(), rsa.ExportPkcs8PrivateKey());
            await Insert(connection, transaction, signing.Id, "sig", signing.Material);
        }

        if (!stored.TryGetValue("enc", out var encryption))
        {
            encryption = (NewKeyId(), RandomNumberGenerator.GetBytes(32));
            await Insert(connection, transaction, encryption.Id, "enc", encryption.Material);
        }

        await transaction.CommitAsync();

        var signingKey = RSA.Create();
        signingKey.ImportPkcs8PrivateKey(signing.Material, out _);
        return new LoadedKeys(
            new RsaSecurityKey(signingKey) { KeyId = signing.Id },
            new SymmetricSecurityKey(encryption.Material) { KeyId = encryption.Id });
    }

    private static string NewKeyId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task Insert(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string use, byte[] material)
    {
        await using var command = new NpgsqlCommand("INSERT INTO platform.keys (id, use, material) VALUES ($1, $2, $3)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = use });
        command.Parameters.Add(new NpgsqlParameter { Value = material });
        await command.ExecuteNonQueryAsync();
    }
}

public sealed record LoadedKeys(RsaSecurityKey Signing, SymmetricSecurityKey Encryption);
