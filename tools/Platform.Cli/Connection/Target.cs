namespace Platform.Cli.Connection;

/// <summary>Where Platform is and which administration client the CLI acts as.</summary>
/// <param name="Issuer">The issuer URL (the gateway), ending with a slash.</param>
/// <param name="Source">The <c>demo.env</c> the values came from, if any (for messages).</param>
public sealed record Target(Uri Issuer, string ClientId, string ClientSecret, string? Source)
{
    public const string IssuerVariable = "PLATFORM_ISSUER";
    public const string ClientIdVariable = "PLATFORM_ADMIN_CLIENT_ID";
    public const string ClientSecretVariable = "PLATFORM_ADMIN_CLIENT_SECRET";
    public const string StateDirVariable = "PLATFORM_STATE_DIR";

    /// <summary>
    /// Each value from its flag, else its environment variable, else the <c>demo.env</c> that <c>./platform up</c>
    /// wrote (in <c>PLATFORM_STATE_DIR</c>, else <c>.platform/</c> in the current folder or one above it).
    /// </summary>
    public static Target Resolve(string? issuer, string? clientId, string? clientSecret, Func<string, string?> environment, string currentDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var stateFile = FindStateFile(environment, currentDirectory);
        var state = stateFile is null ? new Dictionary<string, string>() : StateFile.Read(stateFile);

        string? Pick(string? flag, string variable) =>
            NonEmpty(flag) ?? NonEmpty(environment(variable)) ?? (state.TryGetValue(variable, out var value) ? NonEmpty(value) : null);

        var where = stateFile is null
            ? "no .platform/demo.env was found (run ./platform up, or set PLATFORM_STATE_DIR to its state folder)"
            : $"{stateFile} does not have it";
        var issuerText = Pick(issuer, IssuerVariable)
            ?? throw new UsageException($"Platform's address is not known: {where}; or pass --issuer or set {IssuerVariable} (e.g. http://localhost:5000/).");
        var id = Pick(clientId, ClientIdVariable)
            ?? throw new UsageException($"The administration client is not known: {where}; or pass --client-id or set {ClientIdVariable}.");
        var secret = Pick(clientSecret, ClientSecretVariable)
            ?? throw new UsageException($"The administration client's secret is not known: {where}; or set {ClientSecretVariable}.");

        if (!Uri.TryCreate(issuerText, UriKind.Absolute, out var issuerUri) || issuerUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"The issuer '{issuerText}' is not an http(s) URL such as http://localhost:5000/.");
        }

        if (!issuerUri.AbsolutePath.EndsWith('/'))
        {
            issuerUri = new Uri(issuerUri.AbsoluteUri + "/");
        }

        return new Target(issuerUri, id, secret, stateFile);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? FindStateFile(Func<string, string?> environment, string currentDirectory)
    {
        if (NonEmpty(environment(StateDirVariable)) is { } stateDir)
        {
            var file = Path.Combine(Path.GetFullPath(stateDir, currentDirectory), StateFile.Name);
            return File.Exists(file) ? file : null;
        }

        for (var directory = new DirectoryInfo(currentDirectory); directory is not null; directory = directory.Parent)
        {
            var file = Path.Combine(directory.FullName, ".platform", StateFile.Name);
            if (File.Exists(file))
            {
                return file;
            }
        }

        return null;
    }
}
