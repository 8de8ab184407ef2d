using System.Threading.Channels;
using Fpo.Grains.Backbone;

namespace Fpo.Grains.Cluster;

/// <summary>
/// Appends a silo's journal records from one background task, so a role never waits on the database to report what it
/// did. An append that fails (the database is restarting) is retried after a pause until it lands; appends are
/// idempotent by (kind, id), so a retry after a lost reply records nothing twice.
/// </summary>
internal sealed class JournalWriter(IRunJournal journal, Action<string> log, TimeSpan retry)
{
    private readonly Channel<(string Kind, string Id, string Json)> _queue = Channel.CreateUnbounded<(string, string, string)>(new UnboundedChannelOptions { SingleReader = true });

    public void Add(string kind, string id, string json) => _queue.Writer.TryWrite((kind, id, json));

    /// <summary>Writes records as they come until <see cref="Complete"/>, then what is left; <paramref name="cancellationToken"/> abandons the rest.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failing = false;
        await foreach (var (kind, id, json) in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    await journal.AppendAsync(kind, id, json, cancellationToken).ConfigureAwait(false);
                    failing = false;
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (!failing) log($"journal: cannot append ({e.GetType().Name}: {e.Message}); retrying every {retry.TotalSeconds:F0} s");
                    failing = true;
                    await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public void Complete() => _queue.Writer.TryComplete();
}
