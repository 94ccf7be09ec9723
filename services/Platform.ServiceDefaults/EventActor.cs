using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Platform.ServiceDefaults;

/// <summary>
/// Who caused the events a request appends: every event is stamped with an <c>actor</c> header,
/// <c>client:&lt;client_id&gt;</c> or <c>user:&lt;subject&gt;</c>, which the audit API answers with. Protocol
/// endpoints name the client they authenticated (<see cref="Name"/>); endpoints behind bearer or cookie
/// authentication need do nothing: the request's principal names the actor. Events appended outside a
/// request (the daemons, seeding at start-up) carry no actor.
/// </summary>
public static class EventActor
{
    /// <summary>The event header that holds the actor.</summary>
    public const string Header = "actor";

    public const string ClientKind = "client";
    public const string UserKind = "user";

    private static readonly AsyncLocal<RequestActor?> Ambient = new();

    /// <summary>Names the actor of the current request explicitly; it wins over the request's principal.</summary>
    public static void Name(string kind, string? id)
    {
        if (Ambient.Value is { } request && !string.IsNullOrEmpty(id))
        {
            request.Named = $"{kind}:{id}";
        }
    }

    /// <summary>The actor of the current request, or null outside a request or when nobody is known.</summary>
    public static string? Current => Ambient.Value is { } request ? request.Named ?? FromPrincipal(request.Context.User) : null;

    /// <summary>
    /// The actor a principal names: the user when a subject other than the client is present (a user's token
    /// or sign-in session), otherwise the client (client_credentials tokens carry the client as subject).
    /// </summary>
    public static string? FromPrincipal(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var subject = principal.FindFirst("sub")?.Value;
        var client = principal.FindFirst("client_id")?.Value ?? principal.FindFirst("azp")?.Value;
        if (!string.IsNullOrEmpty(subject) && subject != client)
        {
            return $"{UserKind}:{subject}";
        }

        return string.IsNullOrEmpty(client) ? null : $"{ClientKind}:{client}";
    }

    private sealed class RequestActor(HttpContext context)
    {
        public HttpContext Context { get; } = context;
        public string? Named { get; set; }
    }

    /// <summary>Opens the ambient actor of each request at the very start of the pipeline.</summary>
    internal sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                Ambient.Value = new RequestActor(context);
                return following(context);
            });
            next(app);
        };
    }
}
