using System.Text.Json;
using OpenIddict.Validation.AspNetCore;
using Platform.Identity.Admin;

namespace Platform.Authorization.Clients.Registering;

/// <summary><c>POST /admin/clients</c>: register a client; the secret is shown once, in this answer only.</summary>
public static class ClientsEndpoint
{
    public const string AdminScope = AdminApi.Scope;
    public const string AdminPolicy = AdminApi.Policy;

    public static WebApplication MapClientRegistration(this WebApplication app)
    {
        app.MapPost("/admin/clients", RegisterAsync)
            .RequireAuthorization(AdminPolicy)
            .DisableAntiforgery()
            .WithTags("Clients")
            .WithSummary("Register a client; a confidential client's secret is shown in this answer only.")
            .Accepts<RegisterClient>("application/json")
            .Produces(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> RegisterAsync(ClientRegistrar registrar, HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        RegisterClient? request;
        try
        {
            request = context.Request.HasJsonContentType()
                ? await context.Request.ReadFromJsonAsync<RegisterClient>(context.RequestAborted)
                : null;
        }
        catch (JsonException exception)
        {
            // The reader says where the JSON went wrong ($.scopes): that is the field to name.
            var field = exception.Path is { Length: > 2 } path ? path[2..] : "body";
            return Results.ValidationProblem(new Dictionary<string, string[]> { [field] = ["The JSON is malformed here, or the value has the wrong type (a list of strings, a string, or a boolean)."] });
        }

        if (request is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the registration as a JSON object (Content-Type: application/json)."] });
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

        // A public client has no secret: the answer says so by leaving it out.
        return outcome.ClientSecret is null
            ? Results.Created($"/admin/clients/{outcome.ClientId}", new { client_id = outcome.ClientId })
            : Results.Created($"/admin/clients/{outcome.ClientId}", new { client_id = outcome.ClientId, client_secret = outcome.ClientSecret });
    }

    public static WebApplicationBuilder AddAdminAuthorization(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAdminPolicy();
        return builder;
    }
}
