using Marten;
using OpenIddict.Abstractions;
using Platform.Identity.Admin;
using Platform.Identity.Scopes;

namespace Platform.Authorization.DefiningScopes;

/// <summary><c>/admin/scopes</c>: list, define (<c>ScopeDefined</c>), show.</summary>
public static class ScopeEndpoints
{
    public static WebApplication MapScopeAdministration(this WebApplication app)
    {
        var scopes = app.MapAdminGroup("/admin/scopes").WithTags("Scopes");
        scopes.MapGet("", ListAsync).WithSummary("List every scope with its resources.").Produces<ScopeDetails[]>();
        scopes.MapPost("", DefineAsync).WithSummary("Define a scope and the resources (audiences) its tokens are for.")
            .Accepts<DefineScope>("application/json").Produces<ScopeDetails>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409);
        scopes.MapGet("/{name}", ShowAsync).WithSummary("Show one scope.").Produces<ScopeDetails>().ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> ListAsync(IQuerySession session, CancellationToken cancellationToken) =>
        Results.Ok((await session.Query<Scope>().OrderBy(scope => scope.Name).ToListAsync(cancellationToken)).Select(ScopeDetails.From));

    private static async Task<IResult> ShowAsync(string name, IQuerySession session, CancellationToken cancellationToken) =>
        await session.Query<Scope>().FirstOrDefaultAsync(scope => scope.Name == name, cancellationToken) is { } scope
            ? Results.Ok(ScopeDetails.From(scope))
            : AdminApi.NotFound("scope", name);

    private static async Task<IResult> DefineAsync(HttpRequest request, IOpenIddictScopeManager scopes, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request);
        if (error is not null)
        {
            return error;
        }

        var (descriptor, errors) = ScopeDefinition.Decide(body);
        if (errors is not null)
        {
            return AdminApi.Invalid(errors);
        }

        if (await scopes.FindByNameAsync(descriptor!.Name!, cancellationToken) is not null)
        {
            return AdminApi.Conflict("Scope exists", $"A scope named '{descriptor.Name}' is already defined.");
        }

        try
        {
            await scopes.CreateAsync(descriptor, cancellationToken);
        }
        catch (Exception exception) when (exception is OpenIddictExceptions.ConcurrencyException || IsUniqueViolation(exception))
        {
            return AdminApi.Conflict("Scope exists", $"A scope named '{descriptor.Name}' is already defined.");
        }

        var details = new ScopeDetails(descriptor.Name!, descriptor.DisplayName, descriptor.Description, [.. descriptor.Resources]);
        return Results.Created($"/admin/scopes/{Uri.EscapeDataString(descriptor.Name!)}", details);
    }

    // Two definitions racing: the unique index on the name lets one win.
    private static bool IsUniqueViolation(Exception exception) =>
        exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || (exception.InnerException is { } inner && IsUniqueViolation(inner));
}
