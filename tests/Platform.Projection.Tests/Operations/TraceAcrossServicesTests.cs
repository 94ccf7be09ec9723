extern alias TokenService;

using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenTelemetry.Trace;
using Platform.ServiceDefaults.Bus;
using Platform.Testing;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;
using TokenProgram = TokenService::Program;

namespace Platform.Projection.Tests.Operations;

/// <summary>
/// One revocation is one trace: the token service's request, the event append, the relay's publish (run by the
/// daemon, outside the request), RabbitMQ's delivery to the projection service and the read-model update all carry
/// the trace id of the revocation request. Both services run in this process, each with its own telemetry
/// configuration from ServiceDefaults plus an in-memory exporter added on top.
/// </summary>
public sealed class TraceAcrossServicesTests : IAsyncLifetime
{
    private readonly SpanList tokenSpans = new();
    private readonly SpanList projectionSpans = new();
    private readonly string queuePrefix = $"trace-tests-{Guid.NewGuid():N}";
    private WebApplicationFactory<TokenProgram> token = null!;
    private WebApplicationFactory<Program> projection = null!;
    private (string Id, string Secret) client;

    public async Task InitializeAsync()
    {
        var postgres = await TestServers.CreateDatabaseAsync("trace");
        var rabbitMq = await TestServers.RabbitMqAsync();
        // The projection first, so that its queues are bound before the token service's relay publishes.
        projection = Traced(new ServiceHost<Program>(postgres, rabbitMq, $"{queuePrefix}-projection"), projectionSpans);
        using (var http = projection.CreateClient())
        {
            await Eventually.HoldsAsync(async () => (await http.GetAsync("health/ready")).IsSuccessStatusCode, "the projection service to be ready");
        }

        token = Traced(new ServiceHost<TokenProgram>(postgres, rabbitMq, $"{queuePrefix}-token"), tokenSpans);
        token.StartServer();
        client = await RegisterClientAsync();
    }

    public async Task DisposeAsync()
    {
        await token.DisposeAsync();
        await projection.DisposeAsync();
    }

    [Fact]
    public async Task Revocation_ThroughRelayAndBroker_OneTraceFromRequestToProjectionUpdate()
    {
        var accessToken = await RequestTokenAsync();

        using (var http = token.CreateClient())
        using (var revoke = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = accessToken }),
        })
        {
            revoke.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
            using var response = await http.SendAsync(revoke);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The server span is exported when the request ends, which may be just after the client has its answer.
        static bool IsRevocation(Activity span) => span.Kind == ActivityKind.Server && Equals(span.GetTagItem("url.path"), "/connect/revoke");
        await Eventually.HoldsAsync(() => Snapshot(tokenSpans).Any(IsRevocation), "the revocation request's span");
        var request = Assert.Single(Snapshot(tokenSpans), IsRevocation);
        var trace = request.TraceId;

        // A span is exported when it ends, and the two ends of this path end in no fixed order: the relay's publish
        // (and MassTransit's send under it) ends when RabbitMQ confirms the message, which can come after the
        // projection service has received, applied and acknowledged it. So wait for both: the relay's publish of the
        // revocation with its send, and the projection service's receive, the outermost span on that side (once it
        // is exported, the consume and the read-model update under it are too).
        static bool IsRelayOfRevocation(Activity span) =>
            span.Source.Name == EventRelay.ActivitySourceName && Equals(span.GetTagItem("platform.event.type"), "token_revoked");
        await Eventually.HoldsAsync(
            () =>
            {
                var published = Snapshot(tokenSpans).Where(span => span.TraceId == trace).ToList();
                return published.Where(IsRelayOfRevocation).Any(relay => published.Any(send =>
                        send.Source.Name == "MassTransit" && send.Kind == ActivityKind.Producer && send.ParentSpanId == relay.SpanId))
                    && Snapshot(projectionSpans).Any(span => span.TraceId == trace && span.Source.Name == "MassTransit" && span.Kind == ActivityKind.Consumer
                        && Equals(span.GetTagItem("messaging.operation"), "receive") && OnOwnQueue(span));
            },
            "the relay's publish of the revocation and the projection service's receive of it to join the request's trace");

        var spans = Snapshot(projectionSpans).Where(span => span.TraceId == trace).Concat(Snapshot(tokenSpans).Where(span => span.TraceId == trace))
            .DistinctBy(span => span.SpanId).ToDictionary(span => span.SpanId);

        // The append: the request's own Marten/Npgsql work.
        Assert.Contains(spans.Values, span => span.Source.Name is "Npgsql" or "Marten" && DescendsFrom(span, request, spans));
        // The relay's publish, started by the daemon as a child of what the append stored.
        var relay = Assert.Single(spans.Values, IsRelayOfRevocation);
        Assert.True(DescendsFrom(relay, request, spans), "The relay's publish is not a descendant of the revocation request.");
        // MassTransit's send, and its consume on one of the projection's own queues.
        var send = Assert.Single(spans.Values, span => span.Source.Name == "MassTransit" && span.Kind == ActivityKind.Producer && span.ParentSpanId == relay.SpanId);
        var consumed = spans.Values.Where(span => span.Source.Name == "MassTransit" && span.Kind == ActivityKind.Consumer && DescendsFrom(span, send, spans)).ToList();
        Assert.Contains(consumed, OnOwnQueue);
        // The update itself, under a consume.
        Assert.Contains(spans.Values, span => span.OperationName == "project TokenView" && consumed.Any(consume => DescendsFrom(span, consume, spans)));
        // No span says what the client held.
        Assert.All(spans.Values, span => Assert.All(span.TagObjects, tag => Assert.DoesNotContain(accessToken, tag.Value?.ToString() ?? "", StringComparison.Ordinal)));
    }

    private bool OnOwnQueue(Activity span) =>
        span.GetTagItem("messaging.destination.name")?.ToString()?.StartsWith(queuePrefix, StringComparison.Ordinal) == true;

    private static WebApplicationFactory<T> Traced<T>(WebApplicationFactory<T> host, SpanList spans) where T : class =>
        host.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))));

    private static List<Activity> Snapshot(SpanList spans) => spans.Snapshot();

    private static bool DescendsFrom(Activity span, Activity ancestor, IReadOnlyDictionary<ActivitySpanId, Activity> spans)
    {
        for (var current = span; current is not null; current = spans.GetValueOrDefault(current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<(string Id, string Secret)> RegisterClientAsync()
    {
        var created = ($"trace-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
        await using var scope = token.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = created.Item1,
            ClientSecret = created.Item2,
            ClientType = ClientTypes.Confidential,
            Permissions = { Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials },
        });
        return created;
    }

    private async Task<string> RequestTokenAsync()
    {
        using var http = token.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }
}

/// <summary>What an in-memory exporter exported, safe to read while the exporter adds to it.</summary>
internal sealed class SpanList : ICollection<Activity>
{
    private readonly List<Activity> items = [];

    public int Count
    {
        get
        {
            lock (items)
            {
                return items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public List<Activity> Snapshot()
    {
        lock (items)
        {
            return [.. items];
        }
    }

    public void Add(Activity item)
    {
        lock (items)
        {
            items.Add(item);
        }
    }

    public void Clear()
    {
        lock (items)
        {
            items.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (items)
        {
            return items.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
