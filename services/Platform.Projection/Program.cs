using MassTransit;
using Platform.Identity.Protocol;
using Platform.Projection.Audit;
using Platform.Projection.Consuming;
using Platform.Projection.Introspection;
using Platform.Projection.ReadModel;
using Platform.Projection.Rebuilding;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Bus;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddReadModel();
    var evictions = EvictionConsumer.QueueName(builder.QueuePrefix());
    // A database outage backs off for about two minutes; concurrent writes of one view retry at once.
    builder.AddPlatformBus(consumers =>
    {
        consumers.AddConsumer<TokenEventsConsumer>().ExcludeFromConfigureEndpoints();
        consumers.AddConsumer<TokenIssuedConsumer>(TokenIssuedConsumer.Configure).ExcludeFromConfigureEndpoints();
        consumers.AddConsumer<TokenIssuedPageConsumer>().ExcludeFromConfigureEndpoints();
        consumers.AddConsumer<ClientEventsConsumer>();
        consumers.AddConsumer<GrantEventsConsumer>();
        consumers.AddConsumer<UserEventsConsumer>();
        consumers.AddConsumer<EvictionConsumer>().ExcludeFromConfigureEndpoints();
    }, (context, rabbit) =>
    {
        rabbit.UseMessageRetry(retry => retry.Exponential(30, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50)));
        // Inside it, two messages of one view applied at once (a backlog after a broker outage) retry without the
        // outage's back-off: the loser reloads the view and applies again.
        rabbit.UseMessageRetry(retry =>
        {
            retry.Handle<JasperFx.ConcurrencyException>();
            retry.Handle<JasperFx.DocumentAlreadyExistsException>();
            retry.Incremental(20, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
        });
        // Both retries take a batch of issuances as a whole; once they are spent, its messages go to the error queue.
        // The token events keep their one queue (projection-token-events): issuances in batches, the others one by one.
        rabbit.ReceiveEndpoint(context.EndpointNameFormatter.Consumer<TokenEventsConsumer>(), endpoint =>
        {
            endpoint.ConfigureConsumer<TokenIssuedConsumer>(context);
            endpoint.ConfigureConsumer<TokenIssuedPageConsumer>(context);
            endpoint.ConfigureConsumer<TokenEventsConsumer>(context, consumer => consumer.ConcurrentMessageLimit = TokenEventsConsumer.ConcurrentMessageLimit);
        });
        // Every replica its own queue for revocations (fan-out). Durable, so that it outlives a broker restart and a
        // lost connection with the revocations published meanwhile (an auto-delete queue is gone then, and a
        // revocation the relay publishes before the replica declares it again is never applied here: the replica
        // stays unfresh for good); RabbitMQ deletes it a minute after its process stopped consuming (x-expires).
        rabbit.ReceiveEndpoint(evictions, endpoint =>
        {
            endpoint.Durable = true;
            endpoint.AutoDelete = false;
            endpoint.QueueExpiration = TimeSpan.FromMinutes(1);
            endpoint.ConfigureConsumer<EvictionConsumer>(context);
        });
    });
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<ProjectionFeed>();
    builder.Services.AddSingleton(new PublicIssuer(Issuer.Read(builder)));
    builder.Services.AddScoped<CallerAuthentication>();
    builder.AddIntrospectionFreshness();
    builder.AddProjectionRebuild();

    var app = builder.Build();
    app.UseForwardedHeaders();
    app.MapHealthEndpoints();
    app.MapIntrospection();
    app.MapAudit();
    app.MapProjectionRebuild();
    return app;
});
