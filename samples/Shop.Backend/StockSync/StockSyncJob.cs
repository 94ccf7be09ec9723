using System.Net;
using System.Text.Json;
using Shop.Backend.Activity;
using Shop.Backend.Documents;

namespace Shop.Backend.StockSync;

/// <summary>
/// The nightly stock sync: a service-to-service call with the shop's own token (client_credentials, scope
/// <c>documents.read</c> by default), no user involved. It reads the documents and reports how many it saw;
/// with <c>report</c> it also files a stock count as a document, which needs <c>documents.write</c>.
/// </summary>
public sealed class StockSyncJob(DocumentsApi api, ServiceToken token, ActivityLog activity, TimeProvider clock)
{
    public async Task<ShopAnswer> RunAsync(bool report, CancellationToken cancellationToken)
    {
        var steps = new List<ActivityEntry>();
        void Log(string text) => steps.Add(activity.Add(ActivityLog.StockSync, "stock-sync", text));

        var answer = await CallAsync(HttpMethod.Get, null, renew: false);
        if (answer is { Status: HttpStatusCode.Unauthorized })
        {
            Log("The API refused the service token: getting a new one and retrying once.");
            answer = await CallAsync(HttpMethod.Get, null, renew: true);
        }

        if (answer is null)
        {
            return new ShopAnswer(ShopAnswer.Unavailable, null, "Platform gave the stock sync no token.", null, null, steps);
        }

        if (answer.IsSuccess)
        {
            var count = answer.Body is { ValueKind: JsonValueKind.Array } list ? list.GetArrayLength() : (int?)null;
            Log($"Stock sync read {(count is null ? "the" : count.ToString())} documents.");
            if (!report)
            {
                return new ShopAnswer(ShopAnswer.Ok, (int)answer.Status, "Stock sync done.", answer.Body, null, steps);
            }

            var stockCount = JsonSerializer.Serialize(new { kind = "delivery_note", title = $"Stock count {clock.GetUtcNow():yyyy-MM-dd}" });
            answer = await CallAsync(HttpMethod.Post, stockCount, renew: false);
            if (answer is { IsSuccess: true })
            {
                return new ShopAnswer(ShopAnswer.Ok, (int)answer.Status, "Stock sync done, stock count filed.", answer.Body, null, steps);
            }
        }

        if (answer is null)
        {
            return new ShopAnswer(ShopAnswer.Unavailable, null, "Platform gave the stock sync no token.", null, null, steps);
        }

        if (answer.Status == HttpStatusCode.Forbidden)
        {
            Log($"The stock sync lacks permission: this needs scope '{answer.Scope}', which its token was not given. No new token: it would carry the same scopes.");
            return new ShopAnswer(ShopAnswer.PermissionDenied, 403, "The stock sync lacks permission.", answer.Body, answer.Scope, steps);
        }

        return new ShopAnswer(answer.Status == HttpStatusCode.ServiceUnavailable ? ShopAnswer.Unavailable : ShopAnswer.ApiError,
            (int)answer.Status, $"The documents API answered {answer.Describe()}.", answer.Body, null, steps);

        async Task<ApiAnswer?> CallAsync(HttpMethod method, string? json, bool renew)
        {
            var (accessToken, error) = await token.GetAsync(renew, cancellationToken);
            if (accessToken is null)
            {
                Log($"Platform refused the stock sync a token: {error}");
                return null;
            }

            var result = await api.SendAsync(method, "documents", json, accessToken, cancellationToken);
            Log($"{method} /documents with the shop's own token (client_credentials) -> {result.Describe()}");
            return result;
        }
    }
}
