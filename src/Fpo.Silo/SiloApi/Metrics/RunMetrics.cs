using System.Diagnostics.Metrics;
using Fpo.Grains.Contracts;
using Fpo.Silo.SiloApi.Features;

namespace Fpo.Silo.SiloApi.Metrics;

/// <summary>
/// The API's instruments on the "Fpo" meter: the run's progress and throughput, queue depths per stream and state
/// (<see cref="StreamRecordsGauge"/>), the judges' labels and abstentions, the last trainer step, the last evaluation,
/// the pooled feature drift of the newest snapshot with statistics, and the snapshot the OpenAI-compatible endpoints
/// serve. A value the view cannot know (a trainer counter on an api silo) or that does not exist yet (no evaluation)
/// writes no sample.
/// </summary>
public sealed class RunMetrics : IScrapedMetrics
{
    private readonly IRunView _view;
    private readonly FeatureQueries _features;
    private readonly ApiServing _serving;
    private volatile Reading? _reading;

    public RunMetrics(IMeterFactory meters, IRunView view, FeatureQueries features, ApiServing serving)
    {
        ArgumentNullException.ThrowIfNull(meters);
        (_view, _features, _serving) = (view, features, serving);
        var meter = meters.Create(MetricsExport.FpoMeter);
        meter.CreateObservableGauge("fpo.run.running", () => Long(r => r.Status.State == RunStates.Running ? 1 : 0), description: "1 while the loop runs in this process, 0 otherwise.");
        meter.CreateObservableGauge("fpo.snapshot.version", () => Long(r => r.Status.SnapshotVersion), description: "Newest published snapshot version.");
        meter.CreateObservableCounter("fpo.trainer.steps", () => Long(r => r.Status.TrainerSteps), description: "Trainer steps taken.");
        meter.CreateObservableCounter("fpo.preferences.trained", () => Long(r => r.Status.PreferencesTrained), description: "Preferences trained on (this process's trainer).");
        meter.CreateObservableCounter("fpo.preferences.dropped_stale", () => Long(r => r.Status.DroppedStale), description: "Preferences dropped as too old (this process's trainer).");
        meter.CreateObservableCounter("fpo.pairs.produced", () => Long(r => r.Status.PairsProduced), description: "Response pairs produced by the rollouts.");
        meter.CreateObservableGauge("fpo.pairs.per_minute", () => Double(r => r.Status.PairsPerMinute), description: "Rollout throughput in pairs per minute.");
        meter.CreateObservableCounter("fpo.judge.labels", () => Long(r => r.Status.JudgeLabels), description: "Pairs the judges labelled.");
        meter.CreateObservableCounter("fpo.judge.abstentions", () => Long(r => r.Status.JudgeAbstentions), description: "Pairs the judges abstained on.");
        meter.CreateObservableCounter("fpo.judge.calls", () => Long(r => r.Status.JudgeLabels + r.Status.JudgeAbstentions), description: "Pairs the judges decided on, labelled or abstained.");
        StreamRecordsGauge.Create(meter, () => _reading?.Status.Queues.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => (q.Key, q.Value)) ?? []);
        meter.CreateObservableGauge("fpo.trainer.loss", () => Double(r => r.Status.LastStep?.Loss), description: "Loss of the last trainer step.");
        meter.CreateObservableGauge("fpo.trainer.accuracy", () => Double(r => r.Status.LastStep?.Accuracy), description: "Preference accuracy of the last trainer step.");
        meter.CreateObservableGauge("fpo.trainer.step", () => Double(r => r.Status.LastStep?.StepSeconds), unit: "s", description: "Duration of the last trainer step.");
        meter.CreateObservableGauge("fpo.trainer.policy_lag", () => Double(r => r.Status.LastStep?.PolicyLag), description: "Mean snapshot lag of the last step's preferences.");
        meter.CreateObservableGauge("fpo.eval.version", () => Long(r => r.Status.LastEvaluation?.Version), description: "Snapshot version of the last evaluation.");
        meter.CreateObservableGauge("fpo.eval.win_rate", () => Double(r => r.Status.LastEvaluation?.WinRate), description: "Judge win rate of the last evaluated snapshot against the reference.");
        meter.CreateObservableGauge("fpo.eval.lc_win_rate", () => Double(r => r.Status.LastEvaluation?.LengthControlledWinRate), description: "Length-controlled win rate of the last evaluated snapshot against the reference, under the evaluation judge.");
        meter.CreateObservableGauge("fpo.eval.lc_win_rate_low", () => Double(r => r.Status.LastEvaluation?.LengthControlledLow), description: "Lower end of the 95% bootstrap interval of fpo_eval_lc_win_rate.");
        meter.CreateObservableGauge("fpo.eval.lc_win_rate_high", () => Double(r => r.Status.LastEvaluation?.LengthControlledHigh), description: "Upper end of the 95% bootstrap interval of fpo_eval_lc_win_rate.");
        meter.CreateObservableGauge("fpo.trainer.beta", () => Double(r => r.Status.LastStep?.Beta), description: "beta of the last trainer step (the KL controller's when the run has a budget).");
        meter.CreateObservableGauge("fpo.eval.kl_per_token", () => Double(r => r.Status.LastEvaluation?.KlPerToken), description: "KL(policy||reference) per token of the last evaluated snapshot.");
        meter.CreateObservableGauge("fpo.eval.feature_drift", () => Double(r => r.Status.LastEvaluation?.FeatureDrift), description: "Mean per-response D_fpo of the last evaluated snapshot.");
        meter.CreateObservableGauge("fpo.eval.abstentions", () => Long(r => r.Status.LastEvaluation?.Abstentions), description: "Judge abstentions in the last evaluation.");
        meter.CreateObservableGauge("fpo.feature.drift", () => Double(r => r.Features?.Drift), description: "Pooled D_fpo of the newest snapshot with feature statistics (see /openapi.json, /api/features).");
        meter.CreateObservableGauge("fpo.feature_statistics.version", () => Long(r => r.Features?.Version), description: "Snapshot version of fpo_feature_drift.");
        meter.CreateObservableGauge("fpo.feature.tokens", () => _reading?.Features is { } f
            ? [new Measurement<long>(f.PolicyTokens, new KeyValuePair<string, object?>("side", "policy")), new Measurement<long>(f.ReferenceTokens, new KeyValuePair<string, object?>("side", "reference"))]
            : Array.Empty<Measurement<long>>(), description: "Response tokens folded into the newest snapshot's feature statistics, per side.");
        meter.CreateObservableGauge("fpo.api.served_snapshot.version", () => Long(r => r.ServedVersion), description: "Snapshot the OpenAI-compatible endpoints serve (-1: none).");
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var status = await _view.StatusAsync(cancellationToken).ConfigureAwait(false);
        SnapshotFeatures? features = null;
        if (await _features.ResolveAsync(null, cancellationToken).ConfigureAwait(false) is { } version)
            features = await _features.SnapshotAsync(version, cancellationToken).ConfigureAwait(false);
        _reading = new Reading(status, features, _serving.Version);
    }

    private IEnumerable<Measurement<long>> Long(Func<Reading, long?> value) => _reading is { } r && value(r) is { } v ? [new Measurement<long>(v)] : [];

    private IEnumerable<Measurement<double>> Double(Func<Reading, double?> value) => _reading is { } r && value(r) is { } v ? [new Measurement<double>(v)] : [];

    private sealed record Reading(RunStatus Status, SnapshotFeatures? Features, long ServedVersion);
}
