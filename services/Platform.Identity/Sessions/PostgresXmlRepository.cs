using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;
using Platform.ServiceDefaults;

namespace Platform.Identity.Sessions;

/// <summary>
/// ASP.NET Core data-protection keys in PostgreSQL, so every service and replica reads the session cookie
/// the profile service writes. The key ring is a secret: its own table, never an event.
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository, IDatabaseObjects
{
    private const long CreationLock = 0x504C_4450_4B45; // "PLDPKE"
    private volatile bool created;

    string IDatabaseObjects.Name => "platform.data_protection_keys";

    Task IDatabaseObjects.ApplyAsync(CancellationToken cancellationToken)
    {
        EnsureTable();
        return Task.CompletedTask;
    }

    Task<string?> IDatabaseObjects.FindMissingAsync(CancellationToken cancellationToken) =>
        DatabaseTables.FindMissingAsync(dataSource, "platform", "data_protection_keys", ["name", "xml", "created_at"], cancellationToken);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureTable();
        using var command = dataSource.CreateCommand("SELECT xml FROM platform.data_protection_keys ORDER BY created_at");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureTable();
        using var command = dataSource.CreateCommand(
            "INSERT INTO platform.data_protection_keys (name, xml) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }

    private void EnsureTable()
    {
        if (created)
        {
            return;
        }

        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({CreationLock});
            CREATE SCHEMA IF NOT EXISTS platform;
            CREATE TABLE IF NOT EXISTS platform.data_protection_keys (
                name text PRIMARY KEY,
                xml text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction))
        {
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        created = true;
    }
}
