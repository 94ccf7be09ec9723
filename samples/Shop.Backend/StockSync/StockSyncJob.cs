using System.Net;
using System.Text.Json;
using Shop.Backend.Activity;
using Shop.Backend.Documents;

namespace Shop.Backend.StockSync;

/// <summary>
/// The nightly stock sync: a service-to-service call with the shop's own token (client_credentials, scope
/// <c>documents.read</c> by default), no user involved. It reads the documents and reports how many it saw.
/// </summary>
public sealed class StockSyncJob(DocumentsApi api, ServiceToken token, ActivityLog activity)
{
    public async Task<ShopAnswer> RunAsync(CancellationToken cancellationToken)
    {
        var steps = new List<ActivityEntry>();
        void Log(string text) => steps.Add(activity.Add(ActivityLog.StockSync, "stock-sync", text));

        var answer = await CallAsync(renew: false);
        if (answer is { Status: HttpStatusCode.Unauthorized })
        {
            Log("The API refused the service token: getting a new one and retrying once.");
            answer = await CallAsync(renew: true);
        }

        if (answer is null)
        {
            return new ShopAnswer(ShopAnswer.Unavailable, null, "Platform gave the stock sync no token.", null, null, steps);
        }

        if (answer.IsSuccess)
        {
            var count = answer.Body is { ValueKind: JsonValueKind.Array } list ? list.GetArrayLength() : (int?)null;
            Log($"Stock sync read {(count is null ? "the" : count.ToString())} documents.");
            return new ShopAnswer(ShopAnswer.Ok, (int)answer.Status, "Stock sync done.", answer.Body, null, steps);
        }

        if (answer.Status == HttpStatusCode.Forbidden)
        {
            Log($"The stock sync lacks permission: needs scope '{answer.Scope}'.");
            return new ShopAnswer(ShopAnswer.PermissionDenied, 403, "The stock sync lacks permission.", answer.Body, answer.Scope, steps);
        }

        return new ShopAnswer(answer.Status == HttpStatusCode.ServiceUnavailable ? ShopAnswer.Unavailable : ShopAnswer.ApiError,
            (int)answer.Status, $"The documents API answered {answer.Describe()}.", answer.Body, null, steps);

        async Task<ApiAnswer?> CallAsync(bool renew)
        {
            var (accessToken, error) = await token.GetAsync(renew, cancellationToken);
            if (accessToken is null)
            {
                Log($"Platform refused the stock sync a token: {error}");
                return null;
            }

            var result = await api.SendAsync(HttpMethod.Get, "documents", null, accessToken, cancellationToken);
            Log($"GET /documents with the shop's own token (client_credentials) -> {result.Describe()}");
            return result;
        }
    }
}
