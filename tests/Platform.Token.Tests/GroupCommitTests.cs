using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Identity.Storage;
using Platform.Identity.Tokens;
using Platform.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Token.Tests;

/// <summary>
/// New tokens of concurrent requests commit together (<see cref="GroupCommit"/>). What must not change: every
/// answered token is its own committed event, carrying the actor and the trace of its own request; and a write
/// that fails for a reason of its own fails alone.
/// </summary>
public sealed class GroupCommitTests(TokenServiceFixture fixture, ITestOutputHelper output) : IClassFixture<TokenServiceFixture>
{
    private const int Burst = 100;

    [Fact]
    public async Task ConcurrentRequests_EveryTokenItsOwnEventWithItsRequestsActorAndTrace_InFewerTransactionsThanTokens()
    {
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var tokens = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => fixture.RequestTokenAsync()));

        var events = await IssuedAfterAsync(before);
        Assert.Equal(Burst, events.Count);
        Assert.Equal(tokens.Select(token => token.ReferenceIdHash).Order(), events.Select(e => e.ReferenceIdHash).Order());
        Assert.All(events, e => Assert.Equal($"client:{fixture.Client.Id}", e.Actor));
        // Each request is its own trace, and each event says which (not the trace of the batch it was committed in).
        Assert.Equal(Burst, events.Select(e => e.TraceParent).Distinct().Count());
        Assert.All(events, e => Assert.Contains(e.CorrelationId!, e.TraceParent!, StringComparison.Ordinal));
        // xmin is the id of the transaction that inserted the row.
        var transactions = events.Select(e => e.Transaction).Distinct().Count();
        output.WriteLine($"{Burst} concurrent tokens, {transactions} transactions");
        Assert.True(transactions < Burst, $"{Burst} concurrent tokens took {transactions} transactions: none committed together.");
    }

    [Fact]
    public async Task OneWriteRefused_TheOthersQueuedWithItCommit()
    {
        var commit = fixture.Host.Services.GetRequiredService<GroupCommit>();
        var taken = await fixture.StreamIdOfAsync(await fixture.RequestTokenAsync());
        var fresh = Enumerable.Range(0, 40).Select(_ => Guid.CreateVersion7().ToString()).ToList();

        // Queued in one go, so the writers find them waiting together; the taken id sits among the fresh ones.
        var writes = fresh.Take(20).Append(taken).Concat(fresh.Skip(20))
            .ToDictionary(id => id, id => commit.WriteAsync(session => [session.Events.StartStream<Identity.Tokens.Token>(id, TokenChanges.Issue(NewToken(id), DateTimeOffset.UtcNow))], CancellationToken.None));

        await Assert.ThrowsAnyAsync<Exception>(() => writes[taken]);
        await Task.WhenAll(fresh.Select(id => writes[id]));
        await using var session = fixture.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        foreach (var id in fresh)
        {
            Assert.Equal(["token_issued"], await EventStoreReader.EventTypesAsync(fixture.Postgres, id));
            Assert.NotNull(await session.LoadAsync<Identity.Tokens.Token>(id));
        }

        Assert.Equal(["token_issued"], await EventStoreReader.EventTypesAsync(fixture.Postgres, taken));
    }

    private static Identity.Tokens.Token NewToken(string id) => new()
    {
        Id = id,
        Type = "access_token",
        Status = "valid",
        ClientId = "group-commit-test",
        CreationDate = DateTimeOffset.UtcNow,
        ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(5),
    };

    private async Task<List<IssuedEvent>> IssuedAfterAsync(long sequence)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT data ->> 'referenceIdHash', headers ->> 'actor', headers ->> 'traceparent', correlation_id, xmin::text
            FROM platform.mt_events WHERE seq_id > $1 AND type = 'token_issued' ORDER BY seq_id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        var events = new List<IssuedEvent>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new IssuedEvent(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4)));
        }

        return events;
    }

    private sealed record IssuedEvent(string ReferenceIdHash, string? Actor, string? TraceParent, string? CorrelationId, string Transaction);
}
