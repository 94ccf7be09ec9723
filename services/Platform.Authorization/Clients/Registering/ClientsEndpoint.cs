using OpenIddict.Validation.AspNetCore;

namespace Platform.Authorization.Clients.Registering;

/// <summary><c>POST /admin/clients</c>: register a confidential client; the secret is shown once, in this answer only.</summary>
public static class ClientsEndpoint
{
    public const string AdminScope = "platform.admin";
    public const string AdminPolicy = "platform.admin";

    public static WebApplication MapClientRegistration(this WebApplication app)
    {
        app.MapPost("/admin/clients", RegisterAsync)
            .RequireAuthorization(AdminPolicy)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> RegisterAsync(RegisterClient? request, ClientRegistrar registrar, HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (request is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the registration as a JSON object."] });
        }

        var outcome = await registrar.RegisterAsync(request, secret: null, context.RequestAborted);
        if (outcome.Rejected is { } rejected)
        {
            return Results.ValidationProblem(rejected.Errors);
        }

        if (outcome.Conflict)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Client id taken",
                detail: $"A client with the id '{outcome.ClientId}' is already registered.");
        }

        return Results.Created($"/admin/clients/{outcome.ClientId}", new { client_id = outcome.ClientId, client_secret = outcome.ClientSecret });
    }

    public static WebApplicationBuilder AddAdminAuthorization(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAssertion(context => context.User.HasScope(AdminScope)));
        return builder;
    }

    private static bool HasScope(this System.Security.Claims.ClaimsPrincipal user, string scope) =>
        OpenIddict.Abstractions.OpenIddictExtensions.HasScope(user, scope);
}
