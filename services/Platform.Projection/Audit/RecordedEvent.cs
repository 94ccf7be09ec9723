using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Contracts;
using Platform.Contracts.Events;

namespace Platform.Projection.Audit;

/// <summary>
/// One event as the store recorded it: where it sits (sequence, stream, version), its stored name, when it
/// was appended, and its data. <see cref="Event"/> is the typed contract, null for a name this build does
/// not know (a newer writer's event), which the history still shows and the fold ignores.
/// </summary>
public sealed record RecordedEvent(
    long Sequence, string StreamId, long Version, string Type, DateTimeOffset Time, string? CorrelationId,
    JsonElement Data, JsonElement? Headers, object? Event)
{
    private static readonly JsonSerializerOptions Contracts = new(JsonSerializerDefaults.Web);

    public static RecordedEvent Read(long sequence, string streamId, long version, string type, DateTimeOffset time,
        string? correlationId, string data, string? headers)
    {
        var json = JsonDocument.Parse(data).RootElement.Clone();
        object? typed = null;
        if (EventCatalogue.TryFind(type, out var definition))
        {
            try
            {
                typed = json.Deserialize(definition.Type, Contracts);
            }
            catch (JsonException)
            {
                // Shown as stored; the fold cannot use it, which the history makes visible.
            }
        }

        return new RecordedEvent(sequence, streamId, version, type, time, correlationId, json,
            headers is null ? null : JsonDocument.Parse(headers).RootElement.Clone(), typed);
    }

    /// <summary>The kind of stream this event belongs to (one of <see cref="StreamKinds"/>), null when unknown.</summary>
    public string? StreamKind => EventCatalogue.TryFind(Type, out var definition) ? definition.StreamKind : null;

    /// <summary>Why it happened, for the events that carry a reason.</summary>
    public string? Reason => Event switch
    {
        TokenRevoked revoked => revoked.Reason,
        GrantRevoked revoked => revoked.Reason,
        ClientDisabled disabled => disabled.Reason,
        UserDisabled disabled => disabled.Reason,
        _ => null,
    };

    /// <summary>
    /// Who did it. The writers stamp an <c>actor</c> header (<c>client:&lt;id&gt;</c> or <c>user:&lt;subject&gt;</c>)
    /// on events appended within a request: the client of a token or revocation request, the caller of an
    /// administration endpoint. Events without one (appended before the header existed, by seeding or by a
    /// daemon) fall back to what the event itself names: the client a token was issued to, the user who
    /// signed in or consented, who changed a password. Null means the store does not say.
    /// </summary>
    public Actor? Actor
    {
        get
        {
            if (Headers is { ValueKind: JsonValueKind.Object } headers && headers.TryGetProperty("actor", out var actor)
                && actor.ValueKind == JsonValueKind.String)
            {
                return Actor.Parse(actor.GetString()!);
            }

            return Event switch
            {
                TokenIssued { ClientId: { } clientId } => new Actor("client", clientId),
                GrantApproved { Subject: { } subject } => new Actor("user", subject),
                UserSignedIn signedIn => new Actor("user", signedIn.UserId),
                UserSignedOut signedOut => new Actor("user", signedOut.UserId),
                UserPasswordChanged changed => new Actor("user", changed.ChangedBy),
                _ => null,
            };
        }
    }

    /// <summary>
    /// The data as the auditor sees it. Events hold no credential; a client secret's verifier (<c>secretHash</c>)
    /// is left out all the same, since no audit question needs it.
    /// </summary>
    public JsonNode? AuditedData
    {
        get
        {
            var node = JsonNode.Parse(Data.GetRawText());
            if (node is JsonObject data)
            {
                data.Remove("secretHash");
            }

            return node;
        }
    }
}

/// <summary>Who did something: <c>Kind</c> is <c>client</c> or <c>user</c>; <c>Id</c> is the client id or the subject.</summary>
public sealed record Actor(string Kind, string Id)
{
    /// <summary>Reads an <c>actor</c> header, <c>kind:id</c>; a header without a kind is kept whole as the id.</summary>
    public static Actor Parse(string header)
    {
        var colon = header.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? new Actor(header[..colon], header[(colon + 1)..]) : new Actor("unknown", header);
    }
}
