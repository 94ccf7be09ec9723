using System.Text.Json;

namespace Platform.Cli.Output;

/// <summary>
/// What a command prints: with <c>--json</c> one JSON document on standard output (and failures as JSON on
/// standard error), otherwise tables and "label  value" blocks for a person.
/// </summary>
public sealed class Printer(CliConsole console, bool json)
{
    private static readonly JsonSerializerOptions WithoutNulls = new(Json.Indented) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public bool IsJson => json;

    public TextWriter Out => console.Out;

    public void Document(object? value)
    {
        console.Out.WriteLine(value is JsonElement element ? JsonSerializer.Serialize(element, Json.Indented) : JsonSerializer.Serialize(value, Json.Indented));
    }

    public void Line(string text = "") => console.Out.WriteLine(text);

    /// <summary>A list answer: the document as it came with <c>--json</c>, otherwise a <see cref="Table"/> of its items.</summary>
    public void List(JsonElement? answer, IReadOnlyList<string> headers, Func<JsonElement, IReadOnlyList<string>> row)
    {
        if (json)
        {
            Document(answer);
            return;
        }

        Table(headers, answer.Items().Select(row));
    }

    /// <summary>Aligned columns under upper-case headers; "(none)" when there is no row.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            console.Out.WriteLine("(none)");
            return;
        }

        var widths = headers.Select((header, column) => Math.Max(header.Length, all.Max(row => row[column].Length))).ToArray();
        void Write(IReadOnlyList<string> cells) =>
            console.Out.WriteLine(string.Join("  ", cells.Select((cell, column) => column == cells.Count - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());

        Write([.. headers.Select(header => header.ToUpperInvariant())]);
        foreach (var row in all)
        {
            Write(row);
        }
    }

    /// <summary>"label  value" lines, labels aligned; empty values are shown as "-".</summary>
    public void Fields(IEnumerable<(string Label, string Value)> fields)
    {
        var all = fields.ToList();
        var width = all.Count == 0 ? 0 : all.Max(field => field.Label.Length);
        foreach (var (label, value) in all)
        {
            console.Out.WriteLine($"  {label.PadRight(width)}  {(string.IsNullOrEmpty(value) ? "-" : value)}");
        }
    }

    /// <summary>A failure: its message and the fields Platform named, or the same as JSON with <c>--json</c>.</summary>
    public void Failure(CliException failure)
    {
        if (json)
        {
            var refused = failure as RefusedException;
            console.Error.WriteLine(JsonSerializer.Serialize(new
            {
                error = failure.Message,
                exitCode = failure.ExitCode,
                status = refused?.Status,
                errors = refused is { Errors.Count: > 0 } ? refused.Errors : null,
            }, WithoutNulls));
            return;
        }

        console.Error.WriteLine($"platform: {failure.Message}");
        if (failure is RefusedException { Errors.Count: > 0 } withFields)
        {
            foreach (var (field, messages) in withFields.Errors)
            {
                foreach (var message in messages)
                {
                    console.Error.WriteLine($"  {field}: {message}");
                }
            }
        }
    }
}
