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
app.MapGet("/health/ready", () => "ok");

app.Run();
