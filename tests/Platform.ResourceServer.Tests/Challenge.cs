using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Xunit;

namespace Platform.ResourceServer.Tests;

/// <summary>The parameters of a <c>WWW-Authenticate: Bearer ...</c> answer, as a client library reads them.</summary>
public static partial class Challenge
{
    public static IReadOnlyDictionary<string, string> Of(HttpResponseHeaders headers)
    {
        var value = Assert.Single(headers.WwwAuthenticate);
        Assert.Equal("Bearer", value.Scheme);
        return Parameter().Matches(value.Parameter ?? string.Empty).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    [GeneratedRegex("([a-z_]+)=\"([^\"]*)\"")]
    private static partial Regex Parameter();
}
