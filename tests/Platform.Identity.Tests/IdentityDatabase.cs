using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Platform.Identity.Tests;

/// <summary>
/// A fresh PostgreSQL database per test class, with the event store as the writer services configure it and
/// the real OpenIddict managers over Platform's stores.
/// </summary>
public sealed class IdentityDatabase : IAsyncLifetime
{
    private ServiceProvider? services;

    public string ConnectionString { get; private set; } = "";

    public IServiceProvider Services => services ?? throw new InvalidOperationException("The database is not initialized.");

    public IDocumentStore Documents => Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        ConnectionString = await TestServers.CreateDatabaseAsync("identity");

        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddMarten(options =>
            {
                EventStore.ConfigureEventStore(options, ConnectionString);
                options.AddIdentityDocuments();
            })
            .UseLightweightSessions();
        collection.AddOpenIddict().AddCore(core => core.UsePlatformStores());
        services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        await Documents.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        if (services is not null)
        {
            await services.DisposeAsync();
        }
    }

    /// <summary>A request-like scope: OpenIddict's managers and caches are scoped.</summary>
    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    /// <summary>The stored names of the events of one stream, in order.</summary>
    public async Task<IReadOnlyList<string>> StoredEventNamesAsync(string streamId)
    {
        var events = await EventsAsync(streamId);
        return [.. events.Select(e => e.EventTypeName)];
    }

    public async Task<IReadOnlyList<IEvent>> EventsAsync(string streamId)
    {
        await using var session = Documents.QuerySession();
        return await session.Events.FetchStreamAsync(streamId);
    }

    /// <summary>Every event body in the store as PostgreSQL holds it, to search for what must never be there.</summary>
    public async Task<IReadOnlyList<string>> RawEventDataAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select data::text, coalesce(headers::text, '') from {EventStore.Schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0) + reader.GetString(1));
        }

        return rows;
    }
}
