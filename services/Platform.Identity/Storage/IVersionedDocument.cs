namespace Platform.Identity.Storage;

/// <summary>A document kept by a single-stream projection: its id is the stream id, its version the stream version.</summary>
public interface IVersionedDocument
{
    string? Id { get; }

    long Version { get; }
}
