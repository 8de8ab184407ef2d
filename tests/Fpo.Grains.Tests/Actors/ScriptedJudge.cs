using System.Collections.Concurrent;
using Fpo.Alignment.Judges;

namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// A judge the test scripts per pair id: a label, an abstention, or an exception (a judge with a bug). A pair the script
/// leaves out (null) is held until the test opens the gate of its batch, and then abstains; the test can await its
/// batch's arrival. Holding a batch at the judge keeps it in flight for as long as the test wants.
/// </summary>
internal sealed class ScriptedJudge(Func<string, JudgeVerdict?> script, int batchPrompts) : IJudge
{
    private readonly ConcurrentDictionary<string, (TaskCompletionSource Arrived, TaskCompletionSource Open)> _gates = new(StringComparer.Ordinal);

    public string Name => "scripted";

    public string Model => "";

    public JudgeCounters Counters { get; } = new();

    /// <summary>Holds every pair.</summary>
    public static ScriptedJudge Holding(int batchPrompts) => new(_ => null, batchPrompts);

    public async Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken)
    {
        if (script(request.Id) is { } verdict) return verdict;
        var (arrived, open) = Gate(PromptIds.BatchOf(request.Id, batchPrompts));
        arrived.TrySetResult();
        await open.Task.WaitAsync(cancellationToken);
        return JudgeVerdict.Abstain(AbstentionReason.LowConfidence, "held by the test, then let go");
    }

    /// <summary>Waits until a pair of batch <paramref name="batchId"/> is held here.</summary>
    public Task ArrivedAsync(string batchId) => Wait.ForAsync(Gate(batchId).Arrived.Task, $"batch {batchId} to reach the judge");

    /// <summary>Lets the held pairs of batch <paramref name="batchId"/> go, as abstentions.</summary>
    public void Release(string batchId) => Gate(batchId).Open.TrySetResult();

    private (TaskCompletionSource Arrived, TaskCompletionSource Open) Gate(string batchId) =>
        _gates.GetOrAdd(batchId, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));
}
