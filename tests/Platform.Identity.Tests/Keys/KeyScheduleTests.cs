using Platform.Identity.Keys;
using Xunit;

namespace Platform.Identity.Tests.Keys;

public sealed class KeyScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly KeyRotationPolicy Policy = new()
    {
        RotationInterval = TimeSpan.FromDays(30),
        PublishAhead = TimeSpan.FromDays(2),
        RetainAfterRotation = TimeSpan.FromDays(10),
    };

    private static StoredKey Key(string id, DateTimeOffset activatesAt) => new(id, "sig", [], activatesAt);

    [Fact]
    public void Decide_NoKeys_CreatesOneActiveNow()
    {
        var plan = KeySchedule.Decide([], Now, Policy);

        Assert.Equal([Now], plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Decide_ActiveKeyFarFromRotation_DoesNothing()
    {
        var plan = KeySchedule.Decide([Key("a", Now.AddDays(-10))], Now, Policy);

        Assert.Empty(plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Decide_PublishAheadOfRotation_CreatesNextKeyForTheRotationTime()
    {
        var plan = KeySchedule.Decide([Key("a", Now.AddDays(-28))], Now, Policy);

        Assert.Equal([Now.AddDays(2)], plan.Create);
    }

    [Fact]
    public void Decide_RotationOverdue_NextKeyStillPublishedAheadBeforeUse()
    {
        var plan = KeySchedule.Decide([Key("a", Now.AddDays(-40))], Now, Policy);

        Assert.Equal([Now.AddDays(2)], plan.Create);
    }

    [Fact]
    public void Decide_NextKeyAlreadyPublished_CreatesNoOther()
    {
        var plan = KeySchedule.Decide([Key("a", Now.AddDays(-29)), Key("b", Now.AddDays(1))], Now, Policy);

        Assert.Empty(plan.Create);
    }

    [Fact]
    public void Decide_SuccessorInUseLongerThanRetention_DropsOldKeyOnly()
    {
        var plan = KeySchedule.Decide([Key("old", Now.AddDays(-60)), Key("previous", Now.AddDays(-25)), Key("current", Now.AddDays(-5))], Now, Policy);

        Assert.Equal(["old"], plan.Delete);
    }

    [Fact]
    public void Decide_OnlyKeyMomentsAheadOfThisClock_UsesItInsteadOfMakingAnother()
    {
        var plan = KeySchedule.Decide([Key("first", Now.AddMilliseconds(40))], Now, Policy);

        Assert.Empty(plan.Create);
        Assert.Equal("first", KeySchedule.Active([Key("first", Now.AddMilliseconds(40))], Now)!.Id);
    }

    [Fact]
    public void Active_NextKeyNotYetDue_IsTheOlderOne() =>
        Assert.Equal("a", KeySchedule.Active([Key("a", Now.AddDays(-29)), Key("b", Now.AddDays(1))], Now)!.Id);
}
