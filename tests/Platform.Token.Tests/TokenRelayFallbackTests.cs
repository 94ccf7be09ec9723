using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests;

/// <summary>
/// A relay upgraded before its consumers: nothing has bound a queue to <c>platform.token_issued.page</c> yet, so
/// RabbitMQ returns each page (the relay publishes pages as mandatory), and the relay sends its events one envelope
/// at a time instead, where the older consumers listen. Without that, RabbitMQ would drop the pages and the issuances
/// would never reach the read model.
/// </summary>
public sealed class TokenRelayFallbackTests(TokenServiceOnOwnBrokerFixture fixture) : IClassFixture<TokenServiceOnOwnBrokerFixture>
{
    private const string Returned = "No queue is bound to the exchange of token_issued pages";

    [Fact]
    public async Task PageExchangeWithoutQueue_RelayPublishesThePageAsEnvelopes()
    {
        await using var tap = await BusTap.OpenAsync(fixture.RabbitMq, pages: false);
        for (var burst = 1; ; burst++)
        {
            var issued = (await fixture.IssueBurstAsync(32)).Issued.Select(e => e.Sequence).ToList();

            await tap.WaitUntilAsync(
                messages => issued.All(new HashSet<long>(messages.Where(m => m.Exchange == "platform.token_issued")
                    .SelectMany(m => m.Envelopes).Select(e => e.GetProperty("sequence").GetInt64())).Contains),
                TimeSpan.FromSeconds(30), "every issuance of the burst as an envelope");
            // A burst read one event per page had no page to return: try another.
            if (fixture.Host.Logs.Text.Contains(Returned, StringComparison.Ordinal) || burst == 5)
            {
                break;
            }
        }

        Assert.Contains(Returned, fixture.Host.Logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(tap.Messages, message => message.IsPage);
    }
}
