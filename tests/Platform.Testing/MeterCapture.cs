using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Platform.Testing;

/// <summary>
/// What a service's instruments measure, read the way a metrics backend reads them: counters summed, gauges
/// observed. Only the instruments of the given meters created by <paramref name="scope"/> (a host's
/// <see cref="IMeterFactory"/>) are heard, so the hosts of other tests running in the same process do not count.
/// </summary>
public sealed class MeterCapture : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<CapturedMeasurement> measurements = new();

    public MeterCapture(object scope, params string[] meterNames)
    {
        listener.InstrumentPublished = (instrument, subscriber) =>
        {
            if (meterNames.Contains(instrument.Meter.Name) && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                subscriber.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
    }

    /// <summary>Every measurement heard so far.</summary>
    public IReadOnlyList<CapturedMeasurement> All => [.. measurements];

    /// <summary>The sum of what a counter recorded since the capture began, over the measurements carrying all of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        measurements.Where(m => m.Instrument == instrument && m.Has(tags)).Sum(m => m.Value);

    /// <summary>How many values a histogram recorded carrying all of <paramref name="tags"/>.</summary>
    public int Count(string instrument, params (string Key, string Value)[] tags) =>
        measurements.Count(m => m.Instrument == instrument && m.Has(tags));

    /// <summary>Asks every observable gauge for its value now and returns the one <paramref name="instrument"/> gave.</summary>
    public double? Observe(string instrument)
    {
        listener.RecordObservableInstruments();
        return measurements.LastOrDefault(m => m.Instrument == instrument)?.Value;
    }

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        measurements.Enqueue(new CapturedMeasurement(instrument.Name, value, tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value?.ToString())));
}

/// <param name="Instrument">The instrument's name, e.g. <c>platform.tokens.issued</c>.</param>
/// <param name="Value">What it recorded.</param>
/// <param name="Tags">Its tags, as text.</param>
public sealed record CapturedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags)
{
    public bool Has((string Key, string Value)[] tags) => tags.All(tag => Tags.TryGetValue(tag.Key, out var value) && value == tag.Value);
}
