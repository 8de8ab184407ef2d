namespace Fpo.Grains.FolderHost;

/// <summary>
/// processed.log: one line per event a consumer finished, written to the OS before the consumer returns, so what the
/// test reads after a kill is what the consumers had done. Knows which numbers the runs on this folder processed so far.
/// </summary>
public sealed class ProcessedLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _file;
    private readonly HashSet<int> _seen;
    private readonly int _total;
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ProcessedLog(string path, int total)
    {
        _total = total;
        _seen = File.Exists(path) ? [.. File.ReadLines(path).Where(l => l.Length > 0).Select(int.Parse)] : [];
        _file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { NewLine = "\n" };
        CompleteIfDone();
    }

    /// <summary>Completes once every number below the total has been processed at least once.</summary>
    public Task Complete => _complete.Task;

    public void Processed(int number)
    {
        lock (_gate)
        {
            _file.WriteLine(number);
            _file.Flush();
            _seen.Add(number);
            CompleteIfDone();
        }
    }

    public void Dispose() => _file.Dispose();

    private void CompleteIfDone()
    {
        if (_seen.Count(n => n < _total) == _total) _complete.TrySetResult();
    }
}
