using System.Diagnostics;
using System.Threading.Channels;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults;

namespace Platform.Identity.Storage;

/// <summary>
/// Commits the new streams of concurrent requests together ("group commit"): every write that is waiting when a
/// writer becomes free goes into one session, so one transaction, one round trip and one WAL flush serve them all,
/// instead of one of each per token. A request's call returns only once its own write has committed, so nothing is
/// answered before its event is durable; with one request at a time a batch is that one write, and nothing waits
/// for a batch to fill.
/// </summary>
/// <remarks>
/// <para>A write that fails for a reason of its own (an id or reference already taken) would fail its batch: the
/// batch's writes are then committed one by one, so only that one fails, with its own exception. When PostgreSQL
/// cannot serve (<see cref="DatabaseOutage"/>), every write of the batch fails with that exception at once.</para>
/// <para>Each event keeps the trace and actor of the request that decided it (<see cref="EventStamp"/>); the batch
/// has its own span, linked to those requests, under which Marten's and Npgsql's spans are.</para>
/// </remarks>
public sealed partial class GroupCommit : IAsyncDisposable
{
    /// <summary>The activity source of the batches' spans.</summary>
    public const string ActivitySourceName = Telemetry.StorageSource;

    /// <summary>The most writes one transaction takes.</summary>
    public const int MaxBatch = 128;

    // Two writers: one batch is being committed while the next one forms and goes out.
    private const int Writers = 2;

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly IDocumentStore documents;
    private readonly ILogger<GroupCommit> logger;
    private readonly Task[] writers;

    public GroupCommit(IDocumentStore documents, ILogger<GroupCommit> logger)
    {
        this.documents = documents;
        this.logger = logger;

        // The writers must not inherit the ambient state of whichever request created this singleton (its actor,
        // its trace): each write carries its own.
        using (ExecutionContext.SuppressFlow())
        {
            writers = [.. Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteLoopAsync))];
        }
    }

    /// <summary>
    /// Queues a write and waits until it has committed. <paramref name="write"/> adds the write's operations to the
    /// session (a stream start, documents) and returns the streams it appended to; it runs on a writer, once per
    /// attempt, so it must only describe the write, not change anything else.
    /// </summary>
    public Task WriteAsync(Func<IDocumentSession, IEnumerable<StreamAction>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        cancellationToken.ThrowIfCancellationRequested();

        var pending = new Pending(write, EventStamp.Capture(), Activity.Current?.Context, cancellationToken);
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommit), "The service is stopping; the write was not made.");
        }

        // A caller that gives up only stops waiting: a write already in a transaction commits or not as a whole.
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    pending.Done.TrySetCanceled(pending.CancellationToken);
                }
                else
                {
                    batch.Add(pending);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await CommitAsync(batch);
            }
            catch (Exception exception) when (batch.Count > 1 && DatabaseOutage.Cause(exception) is null)
            {
                LogBatchRefused(logger, batch.Count, exception.GetType().Name);
                foreach (var single in batch)
                {
                    await CommitAloneAsync(single);
                }
            }
            catch (Exception exception)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(exception);
                }
            }
        }
    }

    private async Task CommitAloneAsync(Pending pending)
    {
        try
        {
            await CommitAsync([pending]);
        }
        catch (Exception exception)
        {
            pending.Done.TrySetException(exception);
        }
    }

    private async Task CommitAsync(IReadOnlyList<Pending> batch)
    {
        using var activity = Source.StartActivity(
            "group commit", ActivityKind.Internal, parentContext: default,
            links: batch.Where(pending => pending.Caller is not null).Select(pending => new ActivityLink(pending.Caller!.Value)));
        activity?.SetTag("platform.batch.size", batch.Count);

        await using (var session = documents.LightweightSession())
        {
            foreach (var pending in batch)
            {
                pending.Stamp.Apply(pending.Write(session).SelectMany(stream => stream.Events));
            }

            await session.SaveChangesAsync(CancellationToken.None);
        }

        foreach (var pending in batch)
        {
            pending.Done.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A group commit of {Count} writes failed ({Exception}); committing them one by one")]
    private static partial void LogBatchRefused(ILogger logger, int count, string exception);

    private sealed record Pending(
        Func<IDocumentSession, IEnumerable<StreamAction>> Write,
        EventStamp Stamp,
        ActivityContext? Caller,
        CancellationToken CancellationToken)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
