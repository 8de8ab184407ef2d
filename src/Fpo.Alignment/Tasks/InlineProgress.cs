namespace Fpo.Alignment.Tasks;

// Progress<T> posts to a captured context (the thread pool here), which would reorder and delay reports.
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
