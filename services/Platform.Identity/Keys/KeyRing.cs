using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Platform.ServiceDefaults;

namespace Platform.Identity.Keys;

/// <summary>
/// The signing and encryption keys every OpenIddict instance shares. They live in PostgreSQL; whichever
/// service looks first makes what the schedule asks for, under an advisory lock, so replicas agree. Key
/// material is a secret: it lives in its own table, never in an event. A change of the published keys
/// fires <see cref="GetChangeToken"/>, which rebuilds OpenIddict's options without a restart.
/// </summary>
public sealed class KeyRing(NpgsqlDataSource dataSource, KeyRotationPolicy? policy = null, TimeProvider? time = null) : IDisposable, IDatabaseObjects
{
    private const long ScheduleLock = 0x504C_4B45_5953; // "PLKEYS"

    // Taken with the schedule's lock: replicas starting together must not race on the DDL either.
    private static readonly string CreateTable = $"""
        SELECT pg_advisory_xact_lock({ScheduleLock});
        CREATE SCHEMA IF NOT EXISTS platform;
        CREATE TABLE IF NOT EXISTS platform.keys (
            id text PRIMARY KEY,
            use text NOT NULL CHECK (use IN ('sig', 'enc')),
            material bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        ALTER TABLE platform.keys ADD COLUMN IF NOT EXISTS activates_at timestamptz;
        UPDATE platform.keys SET activates_at = created_at WHERE activates_at IS NULL;
        """;

    private readonly KeyRotationPolicy policy = policy ?? new KeyRotationPolicy();
    private readonly TimeProvider time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim gate = new(1, 1);
    private LoadedKeys? current;
    private CancellationTokenSource changed = new();

    public KeyRotationPolicy Policy => policy;

    string IDatabaseObjects.Name => "platform.keys";

    /// <summary>Creates the keys table (schema commands); the keys themselves are made by the first service that needs them.</summary>
    async Task IDatabaseObjects.ApplyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, CreateTable, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    Task<string?> IDatabaseObjects.FindMissingAsync(CancellationToken cancellationToken) =>
        DatabaseTables.FindMissingAsync(dataSource, "platform", "keys", ["id", "use", "material", "created_at", "activates_at"], cancellationToken);

    /// <summary>The keys, loaded (and made, the first time) on first use.</summary>
    public async Task<LoadedKeys> GetAsync() => current ?? await RefreshAsync();

    public IChangeToken GetChangeToken() => new CancellationChangeToken(changed.Token);

    /// <summary>Applies the schedule and reloads; signals a change when the set of keys differs.</summary>
    public async Task<LoadedKeys> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var loaded = await ApplyScheduleAsync(cancellationToken);
            var previous = current;
            current = loaded;
            if (previous is not null && !previous.SameKeysAs(loaded))
            {
                var fired = changed;
                changed = new CancellationTokenSource();
                await fired.CancelAsync();
                fired.Dispose();
            }

            return loaded;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        gate.Dispose();
        changed.Dispose();
    }

    private async Task<LoadedKeys> ApplyScheduleAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, CreateTable, cancellationToken);

        // The time is read once the lock is held: a replica that waited must not decide on a time before another's keys.
        var now = time.GetUtcNow();
        var stored = await ReadAsync(connection, transaction, cancellationToken);
        foreach (var use in new[] { "sig", "enc" })
        {
            var plan = KeySchedule.Decide(stored.Where(key => key.Use == use).ToList(), now, policy);
            foreach (var id in plan.Delete)
            {
                await using var delete = new NpgsqlCommand("DELETE FROM platform.keys WHERE id = $1", connection, transaction);
                delete.Parameters.Add(new NpgsqlParameter { Value = id });
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var activatesAt in plan.Create)
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO platform.keys (id, use, material, activates_at) VALUES ($1, $2, $3, $4)", connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter { Value = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12)) });
                insert.Parameters.Add(new NpgsqlParameter { Value = use });
                insert.Parameters.Add(new NpgsqlParameter { Value = NewMaterial(use) });
                insert.Parameters.Add(new NpgsqlParameter { Value = activatesAt });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        stored = await ReadAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return LoadedKeys.From(stored, now);
    }

    private static byte[] NewMaterial(string use)
    {
        if (use == "enc")
        {
            return RandomNumberGenerator.GetBytes(32);
        }

        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKey();
    }

    private static async Task<List<StoredKey>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("SELECT id, use, material, activates_at FROM platform.keys", connection, transaction);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var keys = new List<StoredKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new StoredKey(reader.GetString(0), reader.GetString(1), (byte[])reader[2], reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return keys;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// The keys a service uses now: <see cref="Signing"/> and <see cref="Encryption"/> protect new tokens; the
/// published keys (the next one included) validate them; the encryption keys (the next one included, the active one
/// first) decrypt them.
/// </summary>
public sealed record LoadedKeys(
    RsaSecurityKey Signing,
    SymmetricSecurityKey Encryption,
    IReadOnlyList<RsaSecurityKey> PublishedSigningKeys,
    IReadOnlyList<SymmetricSecurityKey> EncryptionKeys)
{
    public static LoadedKeys From(IReadOnlyList<StoredKey> stored, DateTimeOffset now)
    {
        var signing = stored.Where(key => key.Use == "sig").OrderByDescending(key => key.ActivatesAt).ToList();
        var encryption = stored.Where(key => key.Use == "enc").ToList();
        var activeSigning = KeySchedule.Active(signing, now)!;
        var activeEncryption = KeySchedule.Active(encryption, now)!;

        // Every signing key is published (the next one before its time), and every encryption key decrypts, the next one
        // too: a replica that has not yet looked at the schedule (every CheckInterval) must read what one that already
        // switched encrypts. The active key comes first: OpenIddict encrypts with the first of its credentials.
        var published = signing.Select(ToRsa).ToList();
        var decrypting = encryption
            .OrderBy(key => key.Id == activeEncryption.Id ? 0 : 1)
            .ThenByDescending(key => key.ActivatesAt)
            .Select(key => new SymmetricSecurityKey(key.Material) { KeyId = key.Id, CryptoProviderFactory = CbcHmacSha512.Factory })
            .ToList();
        return new LoadedKeys(
            published.Single(key => key.KeyId == activeSigning.Id),
            decrypting.Single(key => key.KeyId == activeEncryption.Id),
            published,
            decrypting);
    }

    public bool SameKeysAs(LoadedKeys other) =>
        Signing.KeyId == other.Signing.KeyId && Encryption.KeyId == other.Encryption.KeyId
        && PublishedSigningKeys.Select(k => k.KeyId).SequenceEqual(other.PublishedSigningKeys.Select(k => k.KeyId))
        && EncryptionKeys.Select(k => k.KeyId).SequenceEqual(other.EncryptionKeys.Select(k => k.KeyId));

    private static RsaSecurityKey ToRsa(StoredKey key)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(key.Material, out _);
        return new RsaSecurityKey(rsa) { KeyId = key.Id };
    }
}
