using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using Xunit;

namespace Platform.Identity.Tests.Tokens;

public sealed class RevocationReasonTests
{
    [Fact]
    public void Use_NestedScopes_RestoresTheOuterReason()
    {
        Assert.Null(RevocationReason.Current);
        using (RevocationReason.Use(RevocationReasons.SignedOut))
        {
            using (RevocationReason.Use(RevocationReasons.CodeReplayed))
            {
                Assert.Equal(RevocationReasons.CodeReplayed, RevocationReason.Current);
            }

            Assert.Equal(RevocationReasons.SignedOut, RevocationReason.Current);
        }

        Assert.Equal(RevocationReasons.Admin, RevocationReason.OrDefault(RevocationReasons.Admin));
    }

    [Fact]
    public async Task Use_AcrossAwaits_FlowsIntoCallees()
    {
        using (RevocationReason.Use(RevocationReasons.UserDisabled))
        {
            var seen = await Task.Run(async () =>
            {
                await Task.Yield();
                return RevocationReason.Current;
            });

            Assert.Equal(RevocationReasons.UserDisabled, seen);
        }
    }
}
