namespace Platform.Demo;

/// <summary>Prints the story: numbered steps, what was done, and a check mark or a cross for each expectation.</summary>
public sealed class DemoConsole(TextWriter output)
{
    private int step;

    public int Failures { get; private set; }
    public int Checks { get; private set; }

    public void Step(string title)
    {
        step++;
        output.WriteLine();
        output.WriteLine($"{step}. {title}");
    }

    public void Note(string text) => output.WriteLine($"     {text}");

    /// <summary>An expectation: a check mark when it held, a cross (and a failure) when not.</summary>
    public bool Expect(bool held, string what, string? otherwise = null)
    {
        Checks++;
        if (held)
        {
            output.WriteLine($"   \u2714 {what}");
            return true;
        }

        Failures++;
        output.WriteLine($"   \u2718 {what}{(otherwise is null ? "" : $": {otherwise}")}");
        return false;
    }

    public void Summary()
    {
        output.WriteLine();
        output.WriteLine(Failures == 0
            ? $"All {Checks} checks in {step} steps behaved as expected."
            : $"{Failures} of {Checks} checks did not behave as expected.");
    }
}
