namespace Platform.Testing;

/// <summary>The checkout the tests run from: <c>PLATFORM_REPO_ROOT</c>, else the first parent folder holding Platform.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PLATFORM_REPO_ROOT");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the checkout: no Platform.sln above the test binaries; set PLATFORM_REPO_ROOT.");
    }
}
