using System.Security.Cryptography;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests;

/// <summary>
/// The relay publishes the token service's events to RabbitMQ, each in an <c>EventEnvelope</c> on the
/// exchange named after the event's stored name, carrying where the event sits in the store so that
/// consumers can stay idempotent and order-insensitive. Issuances read together in one relay page travel
/// together: one <c>EventPage</c> of envelopes on <c>platform.token_issued.page</c>.
/// </summary>
public sealed class TokenRelayTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    [Fact]
    public async Task IssuedThenRevokedToken_Relayed_ArrivesAsEnvelopesMatchingTheStore()
    {
        await using var tap = await BusTap.OpenAsync(fixture.RabbitMq);
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);
        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));
        var stored = await EventStoreReader.EventsAsync(fixture.Postgres, tokenId);
        Assert.Equal(2, stored.Count);

        // Other tests share the broker and this token service: this token's envelopes are those naming its stream
        // (its issuance may share a page with another test's). Delivery is at-least-once: wait for each stored event.
        await tap.WaitUntilAsync(
            messages => stored.All(e => Received(messages, tokenId).Any(r => r.Envelope.GetProperty("sequence").GetInt64() == e.Sequence)),
            TimeSpan.FromSeconds(30), "the token's two events");

        var received = Received(tap.Messages, tokenId);
        foreach (var (message, envelope) in received)
        {
            var storedEvent = Assert.Single(stored, e => e.Sequence == envelope.GetProperty("sequence").GetInt64());
            Assert.Equal(message.IsPage ? $"platform.{storedEvent.Type}.page" : $"platform.{storedEvent.Type}", message.Exchange);
            Assert.Equal(storedEvent.Type, envelope.GetProperty("eventType").GetString());
            Assert.Equal(storedEvent.Version, envelope.GetProperty("streamVersion").GetInt64());
            Assert.Equal(storedEvent.CorrelationId, envelope.GetProperty("correlationId").GetString());
            Assert.Equal(tokenId, envelope.GetProperty("data").GetProperty("tokenId").GetString());
            if (!message.IsPage)
            {
                // The message id is the event's id: a republished event is recognisably the same message.
                Assert.Equal(storedEvent.Id, message.MessageId);
            }
        }

        Assert.Equal(stored.Select(e => e.Sequence), received.Select(r => r.Envelope.GetProperty("sequence").GetInt64()).Distinct().Order());
        Assert.All(received, r => Assert.DoesNotContain(token.AccessToken, r.Message.Body, StringComparison.Ordinal));
    }

    /// <summary>
    /// Concurrent requests commit together and the relay reads their issuances in one page: it publishes them as one
    /// message, each event in its envelope exactly as it would travel alone, in store order, with a message id derived
    /// from the events' ids. A burst read one event per page has nothing to show, so a few bursts are allowed.
    /// </summary>
    [Fact]
    public async Task ConcurrentIssuances_Relayed_AsOnePageOfEnvelopes_InStoreOrder()
    {
        await using var tap = await BusTap.OpenAsync(fixture.RabbitMq);
        for (var attempt = 1; ; attempt++)
        {
            var (tokens, burst) = await fixture.IssueBurstAsync(32);
            var issued = burst.ToDictionary(e => e.Sequence);

            // Each issuance crosses the bus, alone or in a page.
            await tap.WaitUntilAsync(
                messages => issued.Keys.All(new HashSet<long>(messages.SelectMany(m => m.Envelopes).Select(Sequence)).Contains),
                TimeSpan.FromSeconds(30), "the burst's 32 issuances");
            var pages = tap.Messages.Where(m => m.IsPage && m.Envelopes.Any(e => issued.ContainsKey(Sequence(e)))).ToList();
            if (pages.Count == 0 && attempt < 5)
            {
                continue;
            }

            Assert.NotEmpty(pages);
            foreach (var page in pages)
            {
                Assert.Equal("platform.token_issued.page", page.Exchange);
                var sequences = page.Envelopes.Select(Sequence).ToList();
                Assert.True(sequences.Count > 1, "a page of one event travels as an envelope");
                Assert.Equal(sequences.Order(), sequences);
                Assert.Equal(sequences.Count, sequences.Distinct().Count());
                var all = (await EventStoreReader.EventsAfterAsync(fixture.Postgres, sequences[0] - 1)).ToDictionary(e => e.Sequence);
                foreach (var envelope in page.Envelopes)
                {
                    var storedEvent = all[Sequence(envelope)];
                    Assert.Equal("token_issued", envelope.GetProperty("eventType").GetString());
                    Assert.Equal(storedEvent.StreamId, envelope.GetProperty("streamId").GetString());
                    Assert.Equal(storedEvent.Version, envelope.GetProperty("streamVersion").GetInt64());
                    Assert.Equal(storedEvent.CorrelationId, envelope.GetProperty("correlationId").GetString());
                    Assert.Equal(storedEvent.Data.GetProperty("tokenId").GetString(), envelope.GetProperty("data").GetProperty("tokenId").GetString());
                }

                // The same page published again (a relay that crashed before recording it) is the same message.
                var ids = sequences.SelectMany(sequence => all[sequence].Id.ToByteArray()).ToArray();
                Assert.Equal(new Guid(SHA256.HashData(ids).AsSpan(0, 16)), page.MessageId);
            }

            Assert.All(tokens, token => Assert.DoesNotContain(pages, page => page.Body.Contains(token.AccessToken, StringComparison.Ordinal)));
            return;
        }
    }

    private static long Sequence(JsonElement envelope) => envelope.GetProperty("sequence").GetInt64();

    private static List<(BusMessage Message, JsonElement Envelope)> Received(IEnumerable<BusMessage> messages, string streamId) =>
        [.. messages.SelectMany(m => m.Envelopes.Where(e => e.GetProperty("streamId").GetString() == streamId).Select(e => (m, e)))];
}
