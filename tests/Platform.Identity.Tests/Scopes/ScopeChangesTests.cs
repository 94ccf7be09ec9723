using Platform.Contracts.Events;
using Platform.Identity.Scopes;
using Xunit;

namespace Platform.Identity.Tests.Scopes;

public sealed class ScopeChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    private static Scope Stored() => new()
    {
        Id = "scope-1",
        Name = "documents.read",
        DisplayName = "Read your documents",
        Resources = ["documents"],
        Version = 1,
    };

    [Fact]
    public void Decide_NoChange_EmitsNothing()
    {
        var stored = Stored();

        Assert.Empty(ScopeChanges.Decide(stored, Stored(), Now));
    }

    [Fact]
    public void Decide_DisplayNameChanged_EmitsScopeDefinedWithWholeDefinition()
    {
        var updated = Stored();
        updated.DisplayName = "Read and list your documents";

        var defined = Assert.IsType<ScopeDefined>(Assert.Single(ScopeChanges.Decide(Stored(), updated, Now)));

        Assert.Equal("Read and list your documents", defined.DisplayName);
        Assert.Equal(["documents"], defined.Resources);
        Assert.Equal("documents.read", defined.Name);
    }
}
