namespace Platform.Projection.Introspection;

/// <summary>RFC 6749 §5.2 error answers: <c>error</c> and <c>error_description</c>, never a stack trace.</summary>
public static class OAuthError
{
    public static IResult Result(int status, string error, string description) => new ErrorResult(status, error, description);

    /// <summary>The error code of an answer made here, for metrics; null for any other answer.</summary>
    public static string? CodeOf(IResult result) => (result as ICarriesError)?.Error;

    public static string? RepeatedParameter(IFormCollection form) =>
        form.FirstOrDefault(parameter => parameter.Value.Count > 1).Key;

    /// <summary>An answer that is an OAuth error, and says which.</summary>
    public interface ICarriesError
    {
        string Error { get; }
    }

    private sealed class ErrorResult(int status, string error, string description) : IResult, ICarriesError
    {
        public string Error => error;

        public Task ExecuteAsync(HttpContext httpContext) =>
            Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status).ExecuteAsync(httpContext);
    }
}
