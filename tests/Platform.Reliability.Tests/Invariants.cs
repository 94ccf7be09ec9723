using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Platform.Contracts;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// What must hold after any fault, read the way an operator would check it: in the store, in the read model, through
/// the rebuild endpoint's consistency check and through introspection.
/// </summary>
public static class Invariants
{
    /// <summary>Each relay's recorded position (<c>platform.mt_event_progression</c>), by relay name.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> RelayPositionsAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name, last_seq_id FROM platform.mt_event_progression WHERE name LIKE 'relay_%'", connection);
        var positions = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            positions[reader.GetString(0)] = reader.GetInt64(1);
        }

        return positions;
    }

    /// <summary>For each relay, the newest event of the stream kinds it owns: where its position must get to.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> RelayTargetsAsync(string postgres)
    {
        var owners = new Dictionary<string, string[]>
        {
            ["relay_token:All"] = [StreamKinds.Token],
            ["relay_authorization:All"] = [StreamKinds.Client, StreamKinds.Scope, StreamKinds.Grant],
            ["relay_profile:All"] = [StreamKinds.User],
        };
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        var targets = new Dictionary<string, long>();
        foreach (var (relay, kinds) in owners)
        {
            var types = EventCatalogue.All.Where(definition => kinds.Contains(definition.StreamKind)).Select(definition => definition.StoredName).ToArray();
            await using var command = new NpgsqlCommand("SELECT coalesce(max(seq_id), 0) FROM platform.mt_events WHERE type = ANY($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = types });
            targets[relay] = Convert.ToInt64(await command.ExecuteScalarAsync());
        }

        return targets;
    }

    /// <summary>The token events the projection applies to its token views (<c>token_updated</c> carries nothing it keeps).</summary>
    private const string ProjectedTokenEvents =
        "('token_issued', 'token_redeemed', 'token_revoked', 'token_status_changed', 'token_reference_attached', 'token_expiration_changed', 'token_pruned')";

    /// <summary>
    /// Token streams whose newest projected event up to <paramref name="upTo"/> the read model has not applied
    /// (no view, or an older last sequence): events in the store that the read model does not reflect.
    /// </summary>
    public static async Task<long> TokensBehindAsync(string postgres, long upTo = long.MaxValue)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FROM (SELECT stream_id, max(seq_id) AS last FROM platform.mt_events
                                  WHERE type IN {ProjectedTokenEvents} AND seq_id <= $1 GROUP BY stream_id) e
            LEFT JOIN projection.mt_doc_tokenview v ON v.id = e.stream_id
            WHERE v.id IS NULL OR (v.data ->> 'lastSequence')::bigint < e.last
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = upTo });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Token views that claim an event the store does not have (a sequence past the stream's newest).</summary>
    public static async Task<long> TokensAheadAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM projection.mt_doc_tokenview v
            LEFT JOIN (SELECT stream_id, max(seq_id) AS last FROM platform.mt_events WHERE type LIKE 'token%' GROUP BY stream_id) e ON v.id = e.stream_id
            WHERE e.stream_id IS NULL OR (v.data ->> 'lastSequence')::bigint > e.last
            """, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public static async Task<long> EventCountAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM platform.mt_events", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>
    /// Waits until every relay has recorded the newest event it owned at <paramref name="targets"/> (now, when null)
    /// and the read model has applied every token event up to there; returns how long that took.
    /// </summary>
    public static async Task<TimeSpan> WaitUntilDrainedAsync(string postgres, TimeSpan within, IReadOnlyDictionary<string, long>? targets = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var positions = await RelayPositionsAsync(postgres);
                targets ??= await RelayTargetsAsync(postgres);
                var relaysDone = targets.All(target => target.Value == 0 || positions.GetValueOrDefault(target.Key) >= target.Value);
                if (relaysDone && await TokensBehindAsync(postgres, targets.Values.Max()) == 0)
                {
                    return clock.Elapsed;
                }
            }
            catch (NpgsqlException)
            {
                // The database is coming back.
            }

            if (clock.Elapsed > within)
            {
                var positions = string.Join(", ", (await RelayPositionsAsync(postgres)).Select(pair => $"{pair.Key}={pair.Value}"));
                var owned = string.Join(", ", (targets ?? await RelayTargetsAsync(postgres)).Select(pair => $"{pair.Key}={pair.Value}"));
                throw new TimeoutException($"Not drained within {within}: relays at {positions}, owning up to {owned}; {await TokensBehindAsync(postgres)} token(s) behind in the read model.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Rebuilds the read model from the first event through <c>POST /admin/projections/rebuild</c> and returns the
    /// consistency check's verdict (rebuilt equals live, table by table) with the run's figures.
    /// </summary>
    public static async Task<RebuildVerdict> RebuildAndCompareAsync(PlatformCluster cluster, TimeSpan within)
    {
        var adminToken = await cluster.GetTokenAsync(cluster.Admin, "platform.admin");
        // The admin token is an event too: once it is projected nothing is in flight, so the check compares settled
        // read models (an event the live consumers have not applied yet at the swap would show as missing-in-live).
        await WaitUntilDrainedAsync(cluster.Postgres, within);
        using var http = cluster.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        long? runId = null;
        var clock = Stopwatch.StartNew();
        while (runId is null)
        {
            using var start = await http.PostAsync("admin/projections/rebuild", null);
            var body = await start.Content.ReadAsStringAsync();
            if ((int)start.StatusCode == 202)
            {
                runId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
            }
            else if (clock.Elapsed > within)
            {
                throw new TimeoutException($"No rebuild could start: {(int)start.StatusCode} {body}");
            }
            else
            {
                await Task.Delay(500); // another rebuild is running (409): wait for it to finish
            }
        }

        while (true)
        {
            using var progress = await http.GetAsync("admin/projections/rebuild");
            var json = JsonDocument.Parse(await progress.Content.ReadAsStringAsync()).RootElement.Clone();
            var state = json.GetProperty("state").GetString();
            if (json.GetProperty("id").GetInt64() == runId && state is "completed" or "failed")
            {
                var consistency = json.TryGetProperty("consistency", out var c) ? c : default;
                var equal = state == "completed" && consistency.ValueKind == JsonValueKind.Object && consistency.GetProperty("equal").GetBoolean();
                return new RebuildVerdict(equal, json.GetProperty("eventsDone").GetInt64(), json.GetRawText());
            }

            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"The rebuild did not finish within {within}: {json}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The token family invariant (<see cref="TokenFamilies"/>) over every token of <paramref name="clientId"/>: its
    /// tokens' events read from the store, the ones active now in the writers' token documents and in the read model,
    /// the grants revoked; and <paramref name="familyTokens"/> (the families the workload ended) at introspection.
    /// </summary>
    public static async Task<FamilyVerdict> TokenFamiliesAsync(PlatformCluster cluster, string clientId, IEnumerable<string> familyTokens)
    {
        await using var connection = new NpgsqlConnection(cluster.Postgres);
        await connection.OpenAsync();
        var events = new Dictionary<string, (string Kind, string? Parent, string? Grant, long Issued, DateTimeOffset IssuedAt, DateTimeOffset? Redeemed, long? Ended, long? Revoked, string? Reason)>();
        await using (var command = new NpgsqlCommand("""
            WITH mine AS (SELECT DISTINCT stream_id FROM platform.mt_events WHERE type = 'token_issued' AND data ->> 'clientId' = $1)
            SELECT e.stream_id::text, e.seq_id, e.type, e.data ->> 'kind', e.data ->> 'parentTokenId', e.data ->> 'grantId',
                   e.data ->> 'reason', e.data ->> 'status', e.timestamp
            FROM platform.mt_events e JOIN mine USING (stream_id) ORDER BY e.seq_id
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = clientId });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (id, sequence, type, at) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(8));
                string? Text(int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
                if (type == "token_issued")
                {
                    events[id] = (Text(3)!, Text(4), Text(5), sequence, at, null, null, null, null);
                    continue;
                }

                if (!events.TryGetValue(id, out var token))
                {
                    continue;
                }

                var ends = type is "token_redeemed" or "token_revoked" or "token_pruned" || (type == "token_status_changed" && Text(7) != "valid");
                events[id] = token with
                {
                    Redeemed = token.Redeemed ?? (type == "token_redeemed" || (type == "token_status_changed" && Text(7) == "redeemed") ? at : null),
                    Ended = token.Ended ?? (ends ? sequence : null),
                    Revoked = token.Revoked ?? (type == "token_revoked" ? sequence : null),
                    Reason = token.Reason ?? (type == "token_revoked" ? Text(6) : null),
                };
            }
        }

        var grantsRevokedAt = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand("SELECT data ->> 'grantId', min(seq_id) FROM platform.mt_events WHERE type = 'grant_revoked' GROUP BY 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                grantsRevokedAt[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var activeInDocuments = await IdsAsync(connection, """
            SELECT id FROM platform.mt_doc_token WHERE data ->> 'clientId' = $1 AND data ->> 'status' = 'valid'
            AND (data ->> 'expirationDate' IS NULL OR (data ->> 'expirationDate')::timestamptz > now())
            """, clientId);
        var activeInReadModel = await IdsAsync(connection, """
            SELECT id FROM projection.mt_doc_tokenview WHERE data ->> 'clientId' = $1 AND data ->> 'state' = 'Valid'
            AND (data ->> 'expiresAt' IS NULL OR (data ->> 'expiresAt')::timestamptz > now())
            """, clientId);
        var history = events.Select(pair => new TokenHistory(pair.Key, pair.Value.Kind, pair.Value.Parent, pair.Value.Grant, pair.Value.Issued,
            pair.Value.IssuedAt, pair.Value.Redeemed, pair.Value.Ended, pair.Value.Revoked, pair.Value.Reason)).ToList();
        var verdict = TokenFamilies.Check(history, grantsRevokedAt, activeInDocuments, activeInReadModel, ReliabilityFixture.RefreshTokenReuseLeeway);
        var stillActive = await StillActiveAsync(cluster, familyTokens, cluster.Admin);
        return stillActive.Count == 0
            ? verdict
            : verdict with { Violations = [.. verdict.Violations, $"{stillActive.Count} token(s) of the families the workload ended introspect active: {string.Join(", ", stillActive)}"] };
    }

    private static async Task<IReadOnlySet<string>> IdsAsync(NpgsqlConnection connection, string sql, string clientId)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = clientId });
        var ids = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The tokens among <paramref name="tokens"/> that introspection (as the API, unless <paramref name="caller"/>) still calls active.</summary>
    public static async Task<IReadOnlyList<string>> StillActiveAsync(PlatformCluster cluster, IEnumerable<string> tokens, (string Id, string Secret)? caller = null)
    {
        var active = new List<string>();
        foreach (var token in tokens)
        {
            if ((await cluster.IntrospectAsync(token, caller ?? cluster.Api)).GetProperty("active").GetBoolean())
            {
                active.Add(token[..8] + "…");
            }
        }

        return active;
    }
}

/// <param name="Equal">The consistency check found the rebuilt read model equal to the live one.</param>
/// <param name="EventsReplayed">Events the rebuild replayed from the first one.</param>
/// <param name="Report">The rebuild endpoint's answer, for a failure message.</param>
public sealed record RebuildVerdict(bool Equal, long EventsReplayed, string Report);
