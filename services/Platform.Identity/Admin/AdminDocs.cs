using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Platform.Identity.Admin;

/// <summary>
/// The admin API's OpenAPI documents, one per service at <c>/admin/openapi/{service}.json</c>, and one browsable
/// reference at <c>/admin/docs</c> (served by the authorization service) that shows both through the gateway.
/// Neither needs a token: they describe the API, they do not call it (the reference asks for a bearer token to try a call).
/// </summary>
public static class AdminDocs
{
    public const string UiPath = "/admin/docs";

    /// <summary>The documents the reference lists: name, title. Each is served by the service of that name.</summary>
    public static readonly (string Name, string Title)[] Documents =
    [
        ("authorization", "Clients, scopes, grants, tokens, dynamic registration"),
        ("profile", "Users"),
    ];

    public static IServiceCollection AddAdminOpenApi(this IServiceCollection services, string documentName)
    {
        var title = Documents.Single(document => document.Name == documentName).Title;
        services.AddOpenApi(documentName, options =>
        {
            options.ShouldInclude = description =>
                description.RelativePath is { } path && (path.StartsWith("admin/", StringComparison.Ordinal) || path.StartsWith("connect/register", StringComparison.Ordinal));
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = $"Platform admin API: {title}";
                document.Info.Description = "Every call needs a bearer access token with the platform.admin scope (client_credentials as the platform-admin client), "
                    + "except dynamic registration, which takes an initial access token or a registration access token. Errors are problem details naming the field.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An access token with the platform.admin scope.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Serves this service's document; <paramref name="withReference"/> also serves the browsable reference of all of them.</summary>
    public static WebApplication MapAdminDocs(this WebApplication app, bool withReference)
    {
        app.MapOpenApi("/admin/openapi/{documentName}.json").AllowAnonymous();
        if (withReference)
        {
            app.MapScalarApiReference(UiPath, options =>
            {
                options.WithTitle("Platform admin API");
                foreach (var (name, title) in Documents)
                {
                    options.AddDocument(name, title, $"/admin/openapi/{name}.json");
                }
            }).AllowAnonymous();
        }

        return app;
    }
}
