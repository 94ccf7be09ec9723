// The ceiling for any token endpoint on this machine: bare ASP.NET Core that parses the same form and
// Basic header a client_credentials request carries and answers a fixed, token-shaped JSON of ~200 bytes.
// No store, no crypto, no bus. `./platform bench issuance` runs it with the same wrk script as the real thing.
using System.Text;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var answer = Encoding.UTF8.GetBytes(
    """{"access_token":"eyJhbGciOiJSUzI1NiIsImtpZCI6ImNlaWxpbmcifQ.eyJzdWIiOiJiZW5jaCIsInNjb3BlIjoiYXBpIn0.c2lnbmF0dXJlLW9mLXRoZS1jZWlsaW5nLWFwcA","token_type":"Bearer","expires_in":3600,"scope":"api"}""");

app.MapPost("/connect/token", async context =>
{
    var form = await context.Request.ReadFormAsync(context.RequestAborted);
    var authorization = context.Request.Headers.Authorization.ToString();
    if (form["grant_type"] != "client_credentials" || !authorization.StartsWith("Basic ", StringComparison.Ordinal))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    context.Response.ContentType = "application/json;charset=UTF-8";
    context.Response.Headers.CacheControl = "no-store";
    context.Response.ContentLength = answer.Length;
    await context.Response.Body.WriteAsync(answer, context.RequestAborted);
});
// The ceiling for introspection (`./platform bench introspection`): parses the same form and Basic header and answers
// the JSON the bench passes in CEILING_INTROSPECTION_ANSWER (the platform's own answer for the hot token, so the
// same size), else a fixed active answer of ~300 bytes.
var introspection = Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("CEILING_INTROSPECTION_ANSWER") is { Length: > 0 } given
    ? given
    : """{"active":true,"iss":"http://127.0.0.1/","jti":"ceiling-0000-0000-0000-000000000000","scope":"api","client_id":"bench","sub":"bench","aud":"demo-api","iat":1700000000,"nbf":1700000000,"exp":1700003600,"token_type":"Bearer"}""");

app.MapPost("/connect/introspect", async context =>
{
    var form = await context.Request.ReadFormAsync(context.RequestAborted);
    var authorization = context.Request.Headers.Authorization.ToString();
    if (string.IsNullOrEmpty(form["token"]) || !authorization.StartsWith("Basic ", StringComparison.Ordinal))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    context.Response.ContentType = "application/json;charset=UTF-8";
    context.Response.Headers.CacheControl = "no-store";
    context.Response.ContentLength = introspection.Length;
    await context.Response.Body.WriteAsync(introspection, context.RequestAborted);
});
app.MapGet("/health/ready", () => "ok");

app.Run();
