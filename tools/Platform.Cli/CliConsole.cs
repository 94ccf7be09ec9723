namespace Platform.Cli;

/// <summary>The streams a run reads and writes: the process's own, or a test's.</summary>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error);
