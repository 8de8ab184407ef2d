using Fpo.Grains.Loop;
using System.Globalization;
using System.Text.Json;
using Fpo.Alignment.Judges;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Work;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Roles;

/// <summary>
/// The polling evaluator of the backbone's runtime around <see cref="SnapshotEvaluator"/>: scores the newest snapshot
/// when it is newer than the last one scored (skipping those in between) and appends each evaluation to the run journal.
/// </summary>
public sealed class EvaluatorGrain : IPollingGrain
{
    private readonly IBackbone _backbone;
    private readonly SnapshotEvaluator _evaluator;
    private readonly TimeSpan _idleWait;
    private readonly List<SnapshotEvaluation> _history = [];
    private long _lastVersion = -1;

    public EvaluatorGrain(IBackbone backbone, ModelConfig config, TransformerModel reference, BpeTokenizer tokenizer, Func<string, int[]> encodePrompt, SaeWeights? sae,
        IJudge judge, IReadOnlyList<string> heldOutPrompts, EvaluatorSettings settings, TimeSpan idleWait)
    {
        _backbone = backbone;
        _evaluator = new SnapshotEvaluator(config, reference, tokenizer, encodePrompt, sae, judge, heldOutPrompts, settings);
        _idleWait = idleWait;
    }

    public string Name => "evaluator";
    public SnapshotEvaluation? Latest { get; private set; }
    public IReadOnlyList<SnapshotEvaluation> History => _history;
    public event Action<SnapshotEvaluation>? Evaluated;

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var latest = await _backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Version <= _lastVersion)
        {
            await Task.Delay(_idleWait, cancellationToken).ConfigureAwait(false);
            return false;
        }
        await EvaluateAsync(latest.Version, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<SnapshotEvaluation> EvaluateAsync(long version, CancellationToken cancellationToken)
    {
        var content = await _backbone.Snapshots.GetAsync(version, cancellationToken).ConfigureAwait(false);
        var evaluation = await _evaluator.EvaluateAsync(content, cancellationToken).ConfigureAwait(false);
        await _backbone.Journal.AppendAsync(JournalKinds.Evaluation, version.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(evaluation, JournalKinds.Json), cancellationToken).ConfigureAwait(false);
        _lastVersion = Math.Max(_lastVersion, version);
        _history.Add(evaluation);
        Latest = evaluation;
        Evaluated?.Invoke(evaluation);
        return evaluation;
    }
}
