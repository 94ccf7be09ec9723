using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;

namespace Platform.Cli.Commands;

/// <summary>Small builders for the options the commands share.</summary>
internal static class Arguments
{
    public static Argument<string> Required(string name, string description) => new(name) { Description = description };

    public static Option<string?> Text(string name, string description) => new(name) { Description = description };

    /// <summary>A list option: repeat it (<c>--scope a --scope b</c>) or give several values in one, space-separated (<c>--scope "a b"</c>).</summary>
    public static Option<string[]> List(string name, string description) =>
        new(name) { Description = description + " Repeat it, or separate values with spaces.", AllowMultipleArgumentsPerToken = false };

    public static Option<int?> Seconds(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            // A value that is not a number at all is already reported by the parser.
            if (result.Tokens is [{ } token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out var seconds) && seconds < 0)
            {
                result.AddError($"{name} is a number of seconds, 0 or more.");
            }
        });
        return option;
    }

    public static Option<string?> OneOf(string name, string description, params string[] values)
    {
        var option = new Option<string?>(name) { Description = description };
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    /// <summary>The values of a list option, split on spaces; null when the option was not given.</summary>
    public static string[]? Values(this ParseResult parse, Option<string[]> option) =>
        parse.GetResult(option) is null
            ? null
            : [.. (parse.GetValue(option) ?? []).SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is OptionResult { Implicit: false };
}
