using System.Text.Json;
using System.Text.Json.Serialization;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Loop;

/// <summary>
/// The run's metrics.jsonl: one line per trainer step (<c>"kind":"step"</c>) and one per evaluation
/// (<c>"kind":"evaluation"</c>), appended and flushed as they happen, so a resumed run continues the same file.
/// </summary>
public sealed class LoopMetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    public LoopMetricsLog(string runDir)
    {
        Directory.CreateDirectory(runDir);
        _writer = new StreamWriter(Path.Combine(runDir, FileName), append: true);
    }

    public void Write(TrainerStepReport s) => Line(new
    {
        kind = "step", step = s.Step, loss = s.Metrics.Loss, accuracy = s.Metrics.Accuracy, margin = s.Metrics.Margin,
        chosen_reward = s.Metrics.ChosenReward, rejected_reward = s.Metrics.RejectedReward,
        d_fpo_chosen = s.Metrics.FeatureDivergenceChosen, d_fpo_rejected = s.Metrics.FeatureDivergenceRejected,
        kl_chosen = s.Metrics.SequenceKlChosen, kl_rejected = s.Metrics.SequenceKlRejected,
        pairs = s.Metrics.Pairs, lr = s.LearningRate, grad_norm = s.GradientNorm, policy_lag = s.MeanPolicyLag,
        step_seconds = s.StepSeconds, published_version = s.PublishedVersion, beta = Finite(s.Beta), alpha = s.Alpha, at = DateTimeOffset.UtcNow,
    });

    public void Write(SnapshotEvaluation e) => Line(new
    {
        kind = "evaluation", version = e.Version, trainer_step = e.TrainerStep, prompts = e.Prompts,
        judge = e.Judge, judge_is_training_judge = e.JudgeIsTrainingJudge,
        win_rate = Finite(e.WinRate), win_rate_with_ties = Finite(e.WinRateWithTies),
        win_rate_low = Finite(e.WinRateLow), win_rate_high = Finite(e.WinRateHigh),
        lc_win_rate = Finite(e.LengthControlledWinRate), lc_win_rate_low = Finite(e.LengthControlledLow), lc_win_rate_high = Finite(e.LengthControlledHigh),
        length_slope = Finite(e.LengthSlope),
        wins = e.Wins, losses = e.Losses, ties = e.Ties, abstentions = e.Abstentions,
        mean_score = e.MeanScore, reference_mean_score = e.ReferenceMeanScore,
        kl_per_token = e.KlPerToken, kl_per_response = e.KlPerResponse, feature_drift = e.FeatureDrift,
        mean_length = e.MeanLength, reference_mean_length = e.ReferenceMeanLength, at = e.At,
    });

    public void Dispose() => _writer.Dispose();

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    private void Line(object value)
    {
        var text = JsonSerializer.Serialize(value, Options);
        lock (_lock)
        {
            _writer.WriteLine(text);
            _writer.Flush();
        }
    }

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}
