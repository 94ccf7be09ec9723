using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests;

/// <summary>
/// The relay publishes the token service's events to RabbitMQ, each in an <c>EventEnvelope</c> on the
/// exchange named after the event's stored name, carrying where the event sits in the store so that
/// consumers can stay idempotent and order-insensitive.
/// </summary>
public sealed class TokenRelayTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    private static readonly JsonElement NotAnEnvelope = JsonDocument.Parse("""{"streamId":null,"sequence":0}""").RootElement;

    [Fact]
    public async Task IssuedThenRevokedToken_Relayed_ArrivesAsEnvelopesMatchingTheStore()
    {
        await using var tap = await BusTap.OpenAsync(fixture.RabbitMq);
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);
        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));
        var stored = await EventStoreReader.EventsAsync(fixture.Postgres, tokenId);
        Assert.Equal(2, stored.Count);

        // Other test runs share the broker: this token's messages are those whose envelope names its stream.
        // Delivery is at-least-once, so wait for each stored event rather than for a number of messages.
        foreach (var storedEvent in stored)
        {
            await tap.WaitForAsync(
                message => IsOf(message, tokenId) && Envelope(message).GetProperty("sequence").GetInt64() == storedEvent.Sequence,
                count: 1,
                TimeSpan.FromSeconds(30));
        }

        var received = tap.Messages.Where(message => IsOf(message, tokenId)).ToList();

        foreach (var message in received)
        {
            var envelope = Envelope(message);
            var storedEvent = Assert.Single(stored, e => e.Sequence == envelope.GetProperty("sequence").GetInt64());
            Assert.Equal($"platform.{storedEvent.Type}", message.Exchange);
            Assert.Equal(storedEvent.Type, envelope.GetProperty("eventType").GetString());
            Assert.Equal(storedEvent.Version, envelope.GetProperty("streamVersion").GetInt64());
            Assert.Equal(storedEvent.CorrelationId, envelope.GetProperty("correlationId").GetString());
            Assert.Equal(tokenId, envelope.GetProperty("data").GetProperty("tokenId").GetString());
            // The message id is the event's id: a republished event is recognisably the same message.
            Assert.Equal(storedEvent.Id, JsonDocument.Parse(message.Body).RootElement.GetProperty("messageId").GetGuid());
        }

        Assert.Equal(stored.Select(e => e.Sequence), received.Select(m => Envelope(m).GetProperty("sequence").GetInt64()).Distinct().Order());
        Assert.All(received, message => Assert.DoesNotContain(token.AccessToken, message.Body, StringComparison.Ordinal));
    }

    private static bool IsOf(BusMessage message, string streamId) => Envelope(message).GetProperty("streamId").GetString() == streamId;

    /// <summary>The <c>EventEnvelope</c> inside MassTransit's message envelope; a placeholder naming no stream for anything else.</summary>
    private static JsonElement Envelope(BusMessage message)
    {
        try
        {
            var root = JsonDocument.Parse(message.Body).RootElement;
            return root.TryGetProperty("message", out var envelope) && envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("streamId", out _)
                ? envelope
                : NotAnEnvelope;
        }
        catch (JsonException)
        {
            return NotAnEnvelope;
        }
    }
}
