using System.Text.Json;

namespace Platform.Cli;

/// <summary>A failure that ends the command with a known exit status and a message for the person at the terminal.</summary>
public abstract class CliException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The command line is wrong, or the CLI does not know where Platform is or who to be (exit 2).</summary>
public sealed class UsageException(string message) : CliException(message, ExitCodes.Usage);

/// <summary>Platform cannot be reached (exit 3).</summary>
public sealed class UnreachableException(string message) : CliException(message, ExitCodes.Unreachable);

/// <summary>
/// Platform answered, and the answer is no (exit 1): <see cref="Status"/> is the HTTP status, <see cref="Errors"/>
/// the fields a validation problem names with why, <see cref="Problem"/> the answer's body as Platform sent it.
/// </summary>
public sealed class RefusedException(
    string message, int status, IReadOnlyDictionary<string, string[]> errors, JsonElement? problem)
    : CliException(message, ExitCodes.Refused)
{
    public int Status { get; } = status;
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
    public JsonElement? Problem { get; } = problem;
}
