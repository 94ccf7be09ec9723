using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace Platform.Identity.Admin;

/// <summary>
/// What the admin APIs of the authorization and profile services share: the <c>platform.admin</c> policy (a
/// bearer access token validated by OpenIddict, 401 with a <c>Bearer</c> challenge without one, 403 without
/// the scope), JSON bodies read into field-named validation errors, and the problem answers of the contract.
/// </summary>
public static class AdminApi
{
    public const string Scope = "platform.admin";
    public const string Policy = "platform.admin";

    /// <summary>The admin policy. The service must also register OpenIddict validation (<c>UseLocalServer</c>, <c>UseAspNetCore</c>).</summary>
    public static IServiceCollection AddAdminPolicy(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAssertion(context => context.User.HasScope(Scope)));
        return services;
    }

    /// <summary>Routes under <paramref name="prefix"/> that need the admin policy, answer <c>no-store</c> and take no antiforgery token.</summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix);
        group.RequireAuthorization(Policy).DisableAntiforgery();
        group.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });
        return group;
    }

    /// <summary>Who made an admin change, for logs: the client id of the token.</summary>
    public static string? Caller(this ClaimsPrincipal user) => user.GetClaim(OpenIddictConstants.Claims.ClientId);

    /// <summary>
    /// The request's JSON object, or the 400 to answer. An empty body is an empty object when <paramref name="optional"/>.
    /// </summary>
    public static async Task<(JsonElement Body, IResult? Error)> ReadObjectAsync(HttpRequest request, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (optional && (request.ContentLength == 0 || (request.ContentLength is null && !request.HasJsonContentType())))
        {
            return (EmptyObject, null);
        }

        if (!request.HasJsonContentType())
        {
            return (default, Invalid("body", "Send a JSON object (Content-Type: application/json)."));
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.Clone(), null)
                : (default, Invalid("body", "Send a JSON object ({ ... })."));
        }
        catch (JsonException)
        {
            return (default, Invalid("body", "The body is not well-formed JSON."));
        }
    }

    public static IResult Invalid(string field, string why) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [why] });

    public static IResult Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors.ToDictionary(pair => pair.Key, pair => pair.Value));

    public static IResult NotFound(string what, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}", detail: $"There is no {what} '{id}'.");

    public static IResult Conflict(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}

/// <summary>Reads the fields of an admin request body, collecting a field-named error for each wrong one.</summary>
public sealed class AdminFields(JsonElement body)
{
    public Dictionary<string, string[]> Errors { get; } = [];

    public bool Has(string name) => body.TryGetProperty(name, out _);

    /// <summary>Every property not in <paramref name="known"/> is an error: a typo must not be silently ignored.</summary>
    public AdminFields OnlyKnown(params string[] known)
    {
        foreach (var property in body.EnumerateObject().Where(p => !known.Contains(p.Name, StringComparer.Ordinal)))
        {
            Errors[property.Name] = [$"Unknown field. Known fields: {string.Join(", ", known)}."];
        }

        return this;
    }

    public string? Text(string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        Errors[name] = ["A string is expected here."];
        return null;
    }

    public IReadOnlyList<string>? TextList(string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String))
        {
            return [.. value.EnumerateArray().Select(item => item.GetString()!)];
        }

        Errors[name] = ["A list of strings is expected here."];
        return null;
    }

    public bool? Flag(string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Errors[name] = ["true or false is expected here."];
        return null;
    }

    public int? Number(string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        Errors[name] = ["A whole number is expected here."];
        return null;
    }
}
