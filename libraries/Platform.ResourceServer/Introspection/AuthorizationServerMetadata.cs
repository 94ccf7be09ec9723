using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Platform.ResourceServer.Introspection;

/// <summary>The parts of an authorization server's discovery document (RFC 8414, OpenID Connect Discovery) the API uses.</summary>
internal sealed record DiscoveredServer(string Issuer, Uri? IntrospectionEndpoint, DateTimeOffset FetchedAt);

/// <summary>
/// Finds the introspection endpoint through discovery, once per authority and refresh interval. When a refresh
/// fails, the last good document is kept: the endpoint rarely moves, and an outage shows at introspection anyway.
/// After a failed fetch, none is tried again for <see cref="ResourceServerOptions.RetryAfter"/>, so that during an
/// outage requests are answered at once instead of queueing behind one discovery attempt after another.
/// </summary>
internal sealed class AuthorizationServerMetadata(IHttpClientFactory clients, TimeProvider time, ILogger<AuthorizationServerMetadata> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, DiscoveredServer> known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string Problem)> failed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim fetching = new(1, 1);

    public void Dispose() => fetching.Dispose();

    /// <summary>The discovered server, or why it could not be found.</summary>
    public async Task<(DiscoveredServer? Server, string? Problem)> GetAsync(ResourceServerOptions options, CancellationToken cancellationToken)
    {
        var authority = options.Authority!.AbsoluteUri;
        var now = time.GetUtcNow();
        if (known.TryGetValue(authority, out var cached) && now - cached.FetchedAt < options.DiscoveryRefreshInterval)
        {
            return (cached, null);
        }

        await fetching.WaitAsync(cancellationToken);
        try
        {
            now = time.GetUtcNow();
            if (known.TryGetValue(authority, out cached) && now - cached.FetchedAt < options.DiscoveryRefreshInterval)
            {
                return (cached, null);
            }

            if (failed.TryGetValue(authority, out var failure) && now - failure.At < options.RetryAfter)
            {
                return cached is not null ? (cached, null) : (null, failure.Problem);
            }

            var (server, problem) = await FetchAsync(options, cancellationToken);
            if (server is not null)
            {
                known[authority] = server;
                failed.TryRemove(authority, out _);
                return (server, null);
            }

            failed[authority] = (time.GetUtcNow(), problem!);
            if (cached is not null)
            {
                logger.LogWarning("Could not refresh the discovery document of {Authority} ({Problem}); keeping the one fetched at {FetchedAt}.", authority, problem, cached.FetchedAt);
                return (cached, null);
            }

            return (null, problem);
        }
        finally
        {
            fetching.Release();
        }
    }

    private async Task<(DiscoveredServer? Server, string? Problem)> FetchAsync(ResourceServerOptions options, CancellationToken cancellationToken)
    {
        var authority = options.Authority!;
        string? problem = null;
        foreach (var address in DiscoveryAddresses(authority))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.IntrospectionTimeout);
            try
            {
                using var http = clients.CreateClient(ResourceServerDefaults.HttpClientName);
                using var response = await http.GetAsync(address, timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    problem = $"{address} answered {(int)response.StatusCode}";
                    continue;
                }

                var document = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
                if (document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("issuer", out var issuerValue) || issuerValue.GetString() is not { } issuer)
                {
                    problem = $"{address} is not a discovery document (no issuer)";
                    continue;
                }

                // RFC 8414 §3.3: the issuer must be the authority the document was asked for.
                if (!SameIssuer(issuer, authority.AbsoluteUri))
                {
                    return (null, $"the discovery document at {address} names the issuer '{issuer}', not the configured authority '{authority.AbsoluteUri}'");
                }

                Uri? introspection = null;
                if (document.TryGetProperty("introspection_endpoint", out var endpoint) && endpoint.ValueKind == JsonValueKind.String)
                {
                    Uri.TryCreate(endpoint.GetString(), UriKind.Absolute, out introspection);
                }

                return (new DiscoveredServer(issuer, introspection, time.GetUtcNow()), null);
            }
            catch (Exception exception) when (exception is JsonException or NotSupportedException)
            {
                problem = $"{address} is not a JSON discovery document: {exception.Message}";
            }
            catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The other well-known address is on the same host: no point waiting for it too.
                var why = exception is OperationCanceledException ? $"no answer within {options.IntrospectionTimeout.TotalSeconds:0.#} s" : exception.Message;
                return (null, $"{address} could not be reached: {why}");
            }
        }

        return (null, problem ?? "no discovery address answered");
    }

    /// <summary>OpenID Connect Discovery first (the issuer plus the well-known path), then RFC 8414 (the well-known path inserted before the issuer's path).</summary>
    internal static IEnumerable<Uri> DiscoveryAddresses(Uri authority)
    {
        var path = authority.AbsolutePath.TrimEnd('/');
        var origin = authority.GetLeftPart(UriPartial.Authority);
        yield return new Uri($"{origin}{path}/.well-known/openid-configuration");
        yield return new Uri($"{origin}/.well-known/oauth-authorization-server{path}");
    }

    internal static bool SameIssuer(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.Ordinal);
}
