using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.Projection.Introspection;
using Platform.ServiceDefaults;

namespace Platform.Projection.Audit;

/// <summary>
/// <c>/audit/*</c>: the history of a token, grant, client or user; a subject's and a client's timeline;
/// and whether a token was active at a time. Answered from the event store alone.
/// </summary>
public static partial class AuditEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly string[] ClientCascade = [Name<ClientDisabled>(), Name<ClientEnabled>(), Name<ClientDeleted>()];
    private static readonly string[] GrantCascade = [Name<GrantRevoked>()];
    private static readonly string[] UserCascade = [Name<UserDisabled>(), Name<UserEnabled>()];

    public static WebApplication MapAudit(this WebApplication app)
    {
        var store = AuditStore.Create(app.Configuration[EventStore.PostgresKey]!);
        app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());

        var audit = app.MapGroup("/audit").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            http.Response.Headers.CacheControl = "no-store";
            return await AuditCaller.RefusalAsync(http.Request, http.RequestServices.GetRequiredService<TokenLookup>(),
                http.RequestServices.GetRequiredService<TimeProvider>(), http.RequestAborted) ?? await next(context);
        });

        foreach (var (path, kind) in new[] { ("tokens", StreamKinds.Token), ("grants", StreamKinds.Grant), ("clients", StreamKinds.Client), ("users", StreamKinds.User) })
        {
            audit.MapGet($"/{path}/{{id}}", (string id, string? after, string? limit, CancellationToken cancellationToken) =>
                HistoryAsync(store, kind, id, after, limit, cancellationToken));
        }

        audit.MapGet("/subjects/{sub}/timeline", (string sub, string? after, string? limit, CancellationToken cancellationToken) =>
            TimelineAsync("sub", sub, after, limit, page => store.SubjectTimelineAsync(sub, page, cancellationToken)));
        audit.MapGet("/clients/{clientId}/timeline", (string clientId, string? after, string? limit, CancellationToken cancellationToken) =>
            TimelineAsync("clientId", clientId, after, limit, page => store.ClientTimelineAsync(clientId, page, cancellationToken)));
        audit.MapGet("/tokens/{id}/at", (string id, string? time, CancellationToken cancellationToken) =>
            TokenAtAsync(store, id, time, cancellationToken));
        return app;
    }

    private static async Task<IResult> HistoryAsync(AuditStore store, string kind, string id, string? after, string? limit, CancellationToken cancellationToken)
    {
        var bad = BadPage(after, limit, out var page);
        if ((BadId("id", id) ?? bad) is { } refusal)
        {
            return refusal;
        }

        if (await store.StreamKindAsync(id, cancellationToken) != kind)
        {
            return NotFound($"There is no {kind} stream '{id}'.");
        }

        return PageOf(await store.StreamAsync(id, page, cancellationToken), page);
    }

    private static async Task<IResult> TimelineAsync(string parameter, string value, string? after, string? limit,
        Func<Page, Task<IReadOnlyList<RecordedEvent>>> query)
    {
        var bad = BadPage(after, limit, out var page);
        if ((BadId(parameter, value) ?? bad) is { } refusal)
        {
            return refusal;
        }

        var events = await query(page);
        return events.Count == 0 && page.After == 0 ? NotFound($"The event store holds nothing for '{value}'.") : PageOf(events, page);
    }

    private static async Task<IResult> TokenAtAsync(AuditStore store, string id, string? time, CancellationToken cancellationToken)
    {
        if (BadId("id", id) is { } badId)
        {
            return badId;
        }

        if (!TryParseRfc3339(time, out var at))
        {
            return BadRequest("time", "The 'time' parameter must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T12:00:00Z.");
        }

        var token = await store.StreamAsync(id, [], cancellationToken);
        if (token.Count == 0 || token[0].StreamKind != StreamKinds.Token)
        {
            return NotFound($"There is no token stream '{id}'.");
        }

        var issued = token.Select(e => e.Event).OfType<TokenIssued>().FirstOrDefault();
        var history = new TokenHistory(
            token,
            await store.StreamAsync(issued?.GrantId, GrantCascade, cancellationToken),
            await store.StreamAsync(issued?.ApplicationId, ClientCascade, cancellationToken),
            await store.StreamAsync(issued?.Subject, UserCascade, cancellationToken));
        var status = PointInTime.Decide(history, at);
        return Results.Json(new { tokenId = id, time = at, status.Active, status.Reason, status.RevocationReason, status.Since }, Json);
    }

    private static IResult PageOf(IReadOnlyList<RecordedEvent> events, Page page)
    {
        var shown = events.Take(page.Limit).ToList();
        var next = events.Count > page.Limit ? shown[^1].Sequence : (long?)null;
        return Results.Json(new
        {
            events = shown.Select(e => new
            {
                e.Sequence,
                e.StreamId,
                e.Version,
                e.Type,
                e.Time,
                e.Actor,
                e.Reason,
                e.CorrelationId,
                Data = e.AuditedData,
            }),
            next,
        }, Json);
    }

    /// <summary>Stream ids are OpenIddict identifiers; client ids and subjects share their alphabet.</summary>
    private static IResult? BadId(string parameter, string value) =>
        IdPattern().IsMatch(value) ? null : BadRequest(parameter, $"The '{parameter}' must be 1 to 100 letters, digits, '.', '_', ':' or '-'.");

    private static IResult? BadPage(string? after, string? limit, out Page page)
    {
        page = new Page(0, Page.DefaultLimit);
        long afterValue = 0;
        var limitValue = Page.DefaultLimit;
        if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterValue)))
        {
            return BadRequest("after", "The 'after' parameter must be a global sequence number (a non-negative integer).");
        }

        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out limitValue) || limitValue is < 1 or > Page.MaxLimit))
        {
            return BadRequest("limit", $"The 'limit' parameter must be an integer from 1 to {Page.MaxLimit}.");
        }

        page = new Page(afterValue, limitValue);
        return null;
    }

    /// <summary>RFC 3339 §5.6: a full date, a full time and an offset (Z or ±hh:mm); nothing looser.</summary>
    public static bool TryParseRfc3339(string? value, out DateTimeOffset time)
    {
        time = default;
        return value is not null && Rfc3339Pattern().IsMatch(value)
            && DateTimeOffset.TryParse(value.Replace(' ', 'T'), CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static IResult BadRequest(string parameter, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [parameter] = [message] },
            title: $"The '{parameter}' parameter is invalid.", detail: message);

    private static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: detail);

    private static string Name<TEvent>() => EventCatalogue.Of(typeof(TEvent)).StoredName;

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339Pattern();
}
