using System.Text.Json;
using Shop.Backend.Activity;

namespace Shop.Backend.Documents;

/// <summary>
/// What the shop tells its user (and the demo) about one action: the outcome in a word, a sentence, the API's
/// data when there is some, and the steps the shop took to get there.
/// </summary>
/// <param name="Outcome"><c>ok</c>, <c>permission_denied</c> (403: no refresh), <c>sign_in_required</c>
/// (no session, or the refresh token was refused), <c>unavailable</c> (the API or Platform cannot answer now: try again later)
/// or <c>api_error</c>.</param>
public sealed record ShopAnswer(string Outcome, int? ApiStatus, string Message, JsonElement? Data, string? RequiredScope, IReadOnlyList<ActivityEntry> Steps)
{
    public const string Ok = "ok";
    public const string PermissionDenied = "permission_denied";
    public const string SignInRequired = "sign_in_required";
    public const string Unavailable = "unavailable";
    public const string ApiError = "api_error";

    /// <summary>The shop's own HTTP status for the answer.</summary>
    public int HttpStatus => Outcome switch
    {
        Ok => ApiStatus ?? StatusCodes.Status200OK,
        PermissionDenied => StatusCodes.Status403Forbidden,
        SignInRequired => StatusCodes.Status401Unauthorized,
        Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status502BadGateway,
    };

    public IResult ToResult() => Results.Json(this, statusCode: HttpStatus);
}
