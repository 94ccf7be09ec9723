using JasperFx;
using Marten;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using Platform.Contracts.Events;
using Platform.Identity.Admin;
using Platform.Identity.Tokens;
using Platform.Profile.Users;
using Platform.Profile.Users.Administering;

namespace Platform.Profile.Admin;

/// <summary>
/// <c>/admin/users/...</c>: create, list, show, update the profile, reset the password, disable (the user's
/// tokens are revoked), enable, unlock. Every change is fetch → decide (<see cref="UserAdministration"/>) →
/// append with the stream version it was decided on; a user is named by id or by user name.
/// </summary>
public static class UserAdminEndpoints
{
    public static WebApplicationBuilder AddUserAdministration(this WebApplicationBuilder builder)
    {
        // The admin API takes bearer access tokens, validated by this service's own OpenIddict server (UserInfo adds it).
        builder.Services.AddOpenIddict().AddValidation(validation =>
        {
            validation.UseLocalServer();
            validation.UseAspNetCore();
        });
        builder.Services.AddAdminPolicy();
        return builder;
    }

    public static WebApplication MapUserAdministration(this WebApplication app)
    {
        var users = app.MapAdminGroup("/admin/users").WithTags("Users");
        users.MapPost("", CreateAsync).WithSummary("Create a user; a password Platform generates is shown in this answer only.")
            .Accepts<CreateUserBody>("application/json").Produces<UserDetails>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409);
        users.MapGet("", ListAsync).WithSummary("List users by user name.").Produces<UserDetails[]>();
        users.MapGet("/{user}", ShowAsync).WithSummary("Show a user, by id or user name.").Produces<UserDetails>().ProducesProblem(404);
        users.MapPatch("/{user}", UpdateAsync).WithSummary("Change the e-mail address or name (null clears it).")
            .Accepts<UpdateUserBody>("application/json").Produces<UserDetails>().ProducesValidationProblem().ProducesProblem(404);
        users.MapPost("/{user}/password", ResetPasswordAsync).WithSummary("Set the password, or generate one (shown in this answer only).")
            .Accepts<ResetPasswordBody>("application/json").Produces<GeneratedPassword>().Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(404);
        users.MapPost("/{user}/disable", DisableAsync).WithSummary("Disable the user and revoke all of their tokens.")
            .Accepts<DisableUserBody>("application/json").Produces<UserDetails>().ProducesProblem(404);
        users.MapPost("/{user}/enable", EnableAsync).WithSummary("Enable the user again; tokens revoked by the disable stay revoked.")
            .Produces<UserDetails>().ProducesProblem(404);
        users.MapPost("/{user}/unlock", UnlockAsync).WithSummary("End a lockout and forget failed attempts.").Produces<UserDetails>().ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IDocumentStore store, IPasswordHasher<UserAccount> hasher, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request);
        if (error is not null)
        {
            return error;
        }

        var fields = new AdminFields(body).OnlyKnown("username", "email", "name", "password");
        var (username, email, name, given) = (fields.Text("username"), fields.Text("email"), fields.Text("name"), fields.Text("password"));
        if (fields.Errors.Count > 0)
        {
            return AdminApi.Invalid(fields.Errors);
        }

        var password = given ?? UserAdministration.GeneratePassword();
        var userId = Guid.CreateVersion7().ToString();
        var now = time.GetUtcNow();
        var (events, errors) = UserAdministration.Create(userId, username, email, name, password, now);
        if (errors is not null)
        {
            return AdminApi.Invalid(errors);
        }

        await using var session = store.LightweightSession();
        if (await session.Query<UserAccount>().AnyAsync(user => user.UserName == username, cancellationToken))
        {
            return Taken(username!);
        }

        session.Events.StartStream<UserAccount>(userId, events);
        session.Store(new UserCredential(userId, hasher.HashPassword(new UserAccount { Id = userId, UserName = username! }, password)));
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception) when (IsUniqueViolation(exception))
        {
            return Taken(username!);
        }

        var created = await LoadAsync(store, userId, cancellationToken);
        var details = UserDetails.From(created!, time.GetUtcNow());
        return Results.Created($"/admin/users/{userId}", given is null ? new CreatedUser(details, password) : new CreatedUser(details, null));
    }

    private static async Task<IResult> ListAsync(IQuerySession session, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var users = await session.Query<UserAccount>().OrderBy(user => user.UserName).ToListAsync(cancellationToken);
        return Results.Ok(users.Select(user => UserDetails.From(user, now)));
    }

    private static async Task<IResult> ShowAsync(string user, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await FindAsync(store, user, cancellationToken) is { } found ? Results.Ok(UserDetails.From(found, time.GetUtcNow())) : AdminApi.NotFound("user", user);

    private static async Task<IResult> UpdateAsync(string user, HttpRequest request, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request);
        if (error is not null)
        {
            return error;
        }

        var fields = new AdminFields(body).OnlyKnown("email", "name");
        var (email, name) = (fields.Text("email"), fields.Text("name"));
        if (fields.Errors.Count > 0)
        {
            return AdminApi.Invalid(fields.Errors);
        }

        return await ChangeAsync(store, time, user, (account, now) =>
            UserAdministration.UpdateProfile(account, fields.Has("email"), email, fields.Has("name"), name, now), cancellationToken);
    }

    private static async Task<IResult> ResetPasswordAsync(string user, HttpRequest request, IDocumentStore store, IPasswordHasher<UserAccount> hasher,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request, optional: true);
        if (error is not null)
        {
            return error;
        }

        var fields = new AdminFields(body).OnlyKnown("password");
        var given = fields.Text("password");
        if (fields.Errors.Count > 0)
        {
            return AdminApi.Invalid(fields.Errors);
        }

        if (given is not null && UserAdministration.CheckPassword(given) is { } errors)
        {
            return AdminApi.Invalid(errors);
        }

        var password = given ?? UserAdministration.GeneratePassword();
        var outcome = await ChangeAsync(store, time, user,
            (account, now) => ([UserAdministration.ResetPassword(account, now)], null),
            cancellationToken,
            (session, account) => session.Store(new UserCredential(account.Id, hasher.HashPassword(account, password))));
        if (outcome is not IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
        {
            return outcome;
        }

        return given is null ? Results.Ok(new GeneratedPassword(password)) : Results.NoContent();
    }

    private static async Task<IResult> DisableAsync(string user, HttpRequest request, IDocumentStore store, IOpenIddictTokenManager tokens,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminApi.ReadObjectAsync(request, optional: true);
        if (error is not null)
        {
            return error;
        }

        var fields = new AdminFields(body).OnlyKnown("reason");
        var reason = fields.Text("reason");
        if (fields.Errors.Count > 0)
        {
            return AdminApi.Invalid(fields.Errors);
        }

        var outcome = await ChangeAsync(store, time, user, (account, now) =>
        {
            var (disabled, errors) = UserAdministration.Disable(account, reason, now);
            return (disabled is null ? [] : [disabled], errors);
        }, cancellationToken);
        if (outcome is IValueHttpResult { Value: UserDetails details })
        {
            // Also when disabled already: a token issued in the moment before the disable committed is caught here.
            using (RevocationReason.Use(RevocationReasons.UserDisabled))
            {
                await tokens.RevokeBySubjectAsync(details.Id, cancellationToken);
            }
        }

        return outcome;
    }

    private static Task<IResult> EnableAsync(string user, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken) =>
        ChangeAsync(store, time, user, (account, now) => (UserAdministration.Enable(account, now) is { } e ? [e] : [], null), cancellationToken);

    private static Task<IResult> UnlockAsync(string user, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken) =>
        ChangeAsync(store, time, user, (account, now) => (UserAdministration.Unlock(account, now) is { } e ? [e] : [], null), cancellationToken);

    /// <summary>Fetch → decide → append with the version decided on; 200 with the user as it is after, or the 400/404/409.</summary>
    private static async Task<IResult> ChangeAsync(
        IDocumentStore store, TimeProvider time, string user,
        Func<UserAccount, DateTimeOffset, (IReadOnlyList<object> Events, IReadOnlyDictionary<string, string[]>? Errors)> decide,
        CancellationToken cancellationToken,
        Action<IDocumentSession, UserAccount>? alsoDo = null)
    {
        if (await FindAsync(store, user, cancellationToken) is not { } found)
        {
            return AdminApi.NotFound("user", user);
        }

        await using (var session = store.LightweightSession())
        {
            var stream = await session.Events.FetchForWriting<UserAccount>(found.Id, cancellationToken);
            var (events, errors) = decide(stream.Aggregate ?? found, time.GetUtcNow());
            if (errors is not null)
            {
                return AdminApi.Invalid(errors);
            }

            if (events.Count > 0)
            {
                stream.AppendMany(events);
                alsoDo?.Invoke(session, stream.Aggregate ?? found);
                try
                {
                    await session.SaveChangesAsync(cancellationToken);
                }
                catch (ConcurrencyException)
                {
                    return AdminApi.Conflict("User changed", $"The user '{user}' changed while this request was decided; read it again and retry.");
                }
            }
        }

        return Results.Ok(UserDetails.From((await LoadAsync(store, found.Id, cancellationToken))!, time.GetUtcNow()));
    }

    private static async Task<UserAccount?> FindAsync(IDocumentStore store, string idOrName, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<UserAccount>(idOrName, cancellationToken)
            ?? await session.Query<UserAccount>().FirstOrDefaultAsync(user => user.UserName == idOrName, cancellationToken);
    }

    private static async Task<UserAccount?> LoadAsync(IDocumentStore store, string id, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<UserAccount>(id, cancellationToken);
    }

    private static IResult Taken(string username) => AdminApi.Conflict("User name taken", $"A user named '{username}' exists already.");

    private static bool IsUniqueViolation(Exception exception) =>
        exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || (exception.InnerException is { } inner && IsUniqueViolation(inner));
}

/// <summary>The answer to a create: the user, and the password only when Platform generated it.</summary>
public sealed record CreatedUser(
    string Id, string Username, string? Email, string Name, bool Enabled, bool LockedOut, DateTimeOffset CreatedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Password)
{
    public CreatedUser(UserDetails user, string? password)
        : this(user.Id, user.Username, user.Email, user.Name, user.Enabled, user.LockedOut, user.CreatedAt, password)
    {
    }
}

/// <summary>A password Platform generated, shown once.</summary>
public sealed record GeneratedPassword(string Password);

/// <summary>The body of <c>POST /admin/users</c>.</summary>
public sealed record CreateUserBody(string Username, string? Email, string? Name, string? Password);

/// <summary>The body of <c>PATCH /admin/users/{user}</c>.</summary>
public sealed record UpdateUserBody(string? Email, string? Name);

/// <summary>The optional body of a password reset.</summary>
public sealed record ResetPasswordBody(string? Password);

/// <summary>The optional body of a disable.</summary>
public sealed record DisableUserBody(string? Reason);
