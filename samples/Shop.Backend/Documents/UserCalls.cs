using System.Net;
using Shop.Backend.Activity;
using Shop.Backend.Tokens;

namespace Shop.Backend.Documents;

/// <summary>
/// Calls the documents API on the signed-in user's behalf, and handles the token's life the way RFC 6749 and
/// RFC 6750 intend: refresh shortly before the access token expires; on a <c>401</c> refresh once and retry;
/// on a <c>403</c> tell the user they lack permission and do not refresh (a new token carries the same
/// scopes); when the refresh token is refused, end the session so that the user signs in again.
/// </summary>
public sealed class UserCalls(DocumentsApi api, PlatformClient platform, ActivityLog activity, ShopSettings settings, TimeProvider clock)
{
    /// <param name="proactiveRefresh">False skips the refresh before expiry, so that the API's own <c>401</c> for an expired token is seen (the demo does that).</param>
    public async Task<ShopAnswer> CallAsync(HttpContext http, HttpMethod method, string path, string? json, bool proactiveRefresh)
    {
        var session = await UserSession.LoadAsync(http);
        if (session?.AccessToken is null)
        {
            return new ShopAnswer(ShopAnswer.SignInRequired, null, "You are not signed in: sign in at /signin.", null, null, []);
        }

        var steps = new List<ActivityEntry>();
        void Log(string kind, string text) => steps.Add(activity.Add(session.Id, kind, text));
        var call = $"{method} /{path.TrimStart('/')}";

        if (proactiveRefresh && session.AccessTokenExpiresAt is { } expires && expires - settings.RefreshBeforeExpiry <= clock.GetUtcNow())
        {
            Log("refresh", $"The access token expires at {expires:HH:mm:ss} (within {settings.RefreshBeforeExpiry.TotalSeconds:0} s): refreshing before calling the API.");
            if (await RefreshAsync(http, session, Log) is { } refused)
            {
                return refused with { Steps = steps };
            }
        }

        var answer = await api.SendAsync(method, path, json, session.AccessToken!, http.RequestAborted);
        Log("api", $"{call} -> {answer.Describe()}");
        if (answer.Status == HttpStatusCode.Unauthorized)
        {
            Log("refresh", "The API refused the access token (a token problem, not a permission one): refreshing once and retrying.");
            if (await RefreshAsync(http, session, Log) is { } refused)
            {
                return refused with { Steps = steps };
            }

            answer = await api.SendAsync(method, path, json, session.AccessToken!, http.RequestAborted);
            Log("api", $"{call} -> {answer.Describe()} (after the refresh)");
        }

        return Conclude(answer, steps, Log);
    }

    /// <summary>Null when the session now holds fresh tokens; otherwise the answer to give (the session has ended).</summary>
    private async Task<ShopAnswer?> RefreshAsync(HttpContext http, UserSession session, Action<string, string> log)
    {
        if (session.RefreshToken is null)
        {
            log("sign-in-required", "There is no refresh token (offline_access was not granted): the user must sign in again.");
            await UserSession.EndAsync(http);
            return new ShopAnswer(ShopAnswer.SignInRequired, null, "Your session has expired: sign in again at /signin.", null, null, []);
        }

        Duende.IdentityModel.Client.TokenResponse response;
        try
        {
            response = await platform.RefreshAsync(session.RefreshToken, http.RequestAborted);
        }
        catch (PlatformUnavailableException exception)
        {
            log("refresh", exception.Message);
            return new ShopAnswer(ShopAnswer.Unavailable, null, "Sign-in service unavailable: try again in a moment.", null, null, []);
        }

        if (response.IsError)
        {
            if (response.ErrorType == Duende.IdentityModel.Client.ResponseErrorType.Protocol && response.Error is "invalid_grant")
            {
                log("sign-in-required", $"Platform refused the refresh token ({response.Error}: {response.ErrorDescription}): the session ends and the user signs in again.");
                await UserSession.EndAsync(http);
                return new ShopAnswer(ShopAnswer.SignInRequired, null, "Your sign-in is no longer valid: sign in again at /signin.", null, null, []);
            }

            // Platform down or rate limiting: the refresh token may still be good, so the session is kept.
            log("refresh", $"The refresh failed ({(int)response.HttpStatusCode} {response.Error}): keeping the session, try again later.");
            return new ShopAnswer(ShopAnswer.Unavailable, null, "Sign-in service unavailable: try again in a moment.", null, null, []);
        }

        var expiresAt = clock.GetUtcNow().AddSeconds(response.ExpiresIn);
        await session.SaveTokensAsync(http, response.AccessToken!, response.RefreshToken, expiresAt, response.Scope);
        log("refresh", $"Refreshed: a new access token until {expiresAt:HH:mm:ss}{(response.RefreshToken is null ? "" : " and a new refresh token (rotated)")}.");
        return null;
    }

    private static ShopAnswer Conclude(ApiAnswer answer, List<ActivityEntry> steps, Action<string, string> log)
    {
        var status = (int)answer.Status;
        if (answer.IsSuccess)
        {
            return new ShopAnswer(ShopAnswer.Ok, status, "Done.", answer.Body, null, steps);
        }

        switch (answer.Status)
        {
            case HttpStatusCode.Forbidden:
                log("permission", $"You lack permission{(answer.Scope is null ? "" : $": this needs the scope '{answer.Scope}'")}. No refresh: a new token would carry the same scopes.");
                return new ShopAnswer(ShopAnswer.PermissionDenied, status, "You lack permission for this.", answer.Body, answer.Scope, steps);
            case HttpStatusCode.Unauthorized:
                log("api", "The API refused a freshly refreshed token as well: giving up on this call.");
                return new ShopAnswer(ShopAnswer.ApiError, status, "The documents API refused the shop's sign-in.", answer.Body, null, steps);
            case HttpStatusCode.ServiceUnavailable:
                log("api", $"The API cannot check tokens right now{(answer.RetryAfter is { } retry ? $" (retry after {retry.TotalSeconds:0} s)" : "")}: the token is kept.");
                return new ShopAnswer(ShopAnswer.Unavailable, status, "The documents service is unavailable: try again in a moment.", answer.Body, null, steps);
            default:
                return new ShopAnswer(ShopAnswer.ApiError, status, $"The documents API answered {answer.Describe()}.", answer.Body, null, steps);
        }
    }
}
