using JasperFx;
using Marten;
using Platform.ServiceDefaults;
using Weasel.Core;

namespace Platform.Projection.ReadModel;

/// <summary>
/// The projection's own schema. It holds only what can be rebuilt from the event store, and the
/// projection never writes to the writers' schema.
/// </summary>
public static class ReadModelStore
{
    public const string Schema = "projection";

    public static WebApplicationBuilder AddReadModel(this WebApplicationBuilder builder)
    {
        var connectionString = builder.PostgresConnectionString();
        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "postgres", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);
        builder.Services
            .AddMarten(options => Configure(options, connectionString))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        return builder;
    }

    /// <summary>
    /// The read model's documents, in <paramref name="schema"/>: the live <see cref="Schema"/>, or a rebuild's
    /// fresh one (<c>Rebuilding/</c>), which must have the very same tables and index names to be swapped in.
    /// </summary>
    public static void Configure(StoreOptions options, string connectionString, string schema = Schema)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = schema;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        options.Schema.For<TokenView>().Index(view => view.ReferenceIdHash).UseOptimisticConcurrency(true);
        options.Schema.For<ClientView>().Index(view => view.ClientId).UseOptimisticConcurrency(true);
        options.Schema.For<GrantView>().UseOptimisticConcurrency(true);
        options.Schema.For<UserView>().UseOptimisticConcurrency(true);
    }
}

/// <summary>A view of the read model: one document per stream, under the stream's id.</summary>
public interface IView
{
    string Id { get; }
}

/// <summary>The public issuer URL, which introspection answers name as <c>iss</c>.</summary>
public sealed record PublicIssuer(Uri Value);
