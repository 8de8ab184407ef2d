namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>The one timeout of the folder provider tests, and a wait that says what it waited for when it runs out.</summary>
internal static class Patience
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static async Task WithinAsync(Task task, Func<string> what)
    {
        try
        {
            await task.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"waited {Limit.TotalSeconds:F0} s for {what()}");
        }
    }
}
