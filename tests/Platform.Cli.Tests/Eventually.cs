namespace Platform.Cli.Tests;

/// <summary>Waits for a condition that becomes true through the system's own propagation (events, look-up lifetimes), within a bound.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string failure, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still not so after the bound: {failure}.");
            }

            await Task.Delay(100);
        }
    }
}
