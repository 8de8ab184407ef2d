namespace Fpo.Grains.Tests.Actors;

/// <summary>How long a test waits for the cluster to do what it expects, and a wait that says what it awaited when it runs out.</summary>
internal static class Wait
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static async Task ForAsync(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Limit, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"waited {Limit.TotalSeconds:F0} s for {what}");
        }
    }
}
