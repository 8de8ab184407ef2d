using System.Collections.Concurrent;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;

namespace Fpo.Grains.Tests.Cluster;

/// <summary>
/// The tiny loop as a cluster silo sees it: the run's assets as a trainer silo ships them (the tiny judge as YAML), and
/// a log that tests can wait on for a line.
/// </summary>
internal sealed class TinySilo
{
    public const string JudgeYaml = "kind: constitution\nname: short\ntemperature: 0.1\nmargin: 0.05\nprinciples:\n  - name: short\n    length: {min_words: 0, max_words: 1}\n";

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];
    private readonly Lock _lock = new();

    public static RunAssetSource Source() => new(TinyLoop.Assets(), JudgeYaml, PromptsStartWithEndOfText: false);

    public IReadOnlyCollection<string> Lines => _lines;

    public void Write(string line)
    {
        _lines.Enqueue(line);
        lock (_lock)
            foreach (var (text, seen) in _waits)
                if (line.Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
    }

    /// <summary>Completes when a line containing <paramref name="text"/> is logged (or was already); fails naming the line after <paramref name="timeout"/>.</summary>
    public async Task SeenAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waits.Add((text, seen));
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) seen.TrySetResult();
        }
        if (await Task.WhenAny(seen.Task, Task.Delay(timeout, TestContext.Current.CancellationToken)) != seen.Task)
            Assert.Fail($"no log line with \"{text}\" within {timeout.TotalSeconds} s; the log:\n{string.Join("\n", _lines)}");
    }

    /// <summary>Completes when the run publishes snapshot <paramref name="version"/>; fails naming it after <paramref name="timeout"/>.</summary>
    public static async Task SnapshotAsync(IRunStores stores, long version, TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await foreach (var s in stores.Snapshots.WatchAsync(version - 1, limit.Token))
                if (s.Version >= version) return;
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"snapshot {version} was not published within {timeout.TotalSeconds} s (latest: {(await stores.Snapshots.LatestAsync(TestContext.Current.CancellationToken))?.Version})");
        }
    }
}
