namespace Platform.Projection.Introspection;

/// <summary>RFC 6749 §5.2 error answers: <c>error</c> and <c>error_description</c>, never a stack trace.</summary>
public static class OAuthError
{
    public static IResult Result(int status, string error, string description) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);

    public static string? RepeatedParameter(IFormCollection form) =>
        form.FirstOrDefault(parameter => parameter.Value.Count > 1).Key;
}
