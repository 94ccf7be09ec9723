using Documents.Api.Documents;
using Microsoft.Extensions.Options;
using Platform.ResourceServer;
using Platform.ResourceServer.Revocations;

// An ERP's documents API protected by Platform tokens: settings under "ResourceServer" (Authority, ClientId, ClientSecret).
var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // Beside Platform's own ports (5000-5019) unless ASPNETCORE_URLS or --urls says otherwise.
    builder.WebHost.UseUrls("http://localhost:5020");
}

builder.Services.AddPlatformResourceServer(builder.Configuration.GetSection(ResourceServerDefaults.ConfigurationSection), options =>
{
    options.ResourceName ??= "Documents API";
    options.ScopesSupported.Add(DocumentScopes.Read);
    options.ScopesSupported.Add(DocumentScopes.Write);
});
var revocationFeed = builder.Configuration.GetSection("ResourceServer:RevocationFeed");
if (revocationFeed.Exists())
{
    // Optional: Platform's revocation messages (RabbitMQ) evict a revoked token's cached answer at once.
    builder.Services.AddPlatformRevocationFeed(revocationFeed);
}

builder.Services.AddSingleton<DocumentStore>();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapProtectedResourceMetadata();
app.MapDocuments();

try
{
    app.Services.CheckResourceServerSettings();
    if (revocationFeed.Exists())
    {
        app.Services.CheckRevocationFeedSettings();
    }

    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException exception)
{
    // A missing setting is one sentence saying what to set, not a stack trace (exit 78, EX_CONFIG).
    await Console.Error.WriteLineAsync($"Documents.Api cannot start. {exception.Message}");
    return 78;
}

/// <summary>The documents API's entry point (public for the tests' host).</summary>
public partial class Program;
