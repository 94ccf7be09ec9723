using System.Text;

namespace Platform.ResourceServer.Authentication;

/// <summary>The <c>WWW-Authenticate: Bearer ...</c> value of RFC 6750 §3, with RFC 9728's <c>resource_metadata</c>.</summary>
internal static class BearerChallenge
{
    public static string Format(string? realm, string? error, string? description, string? scope, string resourceMetadata)
    {
        var parameters = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parameters.Add($"{name}=\"{Quoted(value)}\"");
            }
        }

        Add("realm", realm);
        Add("error", error);
        Add("error_description", description);
        Add("scope", scope);
        Add("resource_metadata", resourceMetadata);
        return parameters.Count == 0 ? "Bearer" : "Bearer " + string.Join(", ", parameters);
    }

    /// <summary>
    /// RFC 6750 §3 allows only %x20-21 / %x23-5B / %x5D-7E in these values: no quote, no backslash, no
    /// control or non-ASCII character. Anything else becomes a space.
    /// </summary>
    private static string Quoted(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var character in value)
        {
            builder.Append(character is >= ' ' and <= '~' and not '"' and not '\\' ? character : ' ');
        }

        return builder.ToString();
    }
}
