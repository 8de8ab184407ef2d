using System.Diagnostics;
using System.Text.Json;
using Fpo.Models.Checkpoints;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;

namespace Fpo.Models.Training;

/// <summary>
/// Next-token pre-training of a transformer on one token stream: random windows, cross-entropy, global-norm
/// clipping, AdamW with warmup + cosine decay, periodic validation loss, checkpoints, metrics JSONL, and resume.
/// When the run ends (or is cancelled) the latest weights are also saved in the run folder itself in the Hugging
/// Face layout, so the folder can be passed wherever a model folder is expected.
/// </summary>
public sealed class PretrainRun
{
    public const string MetricsFile = "metrics.jsonl";

    private readonly string _runDir;
    private readonly TransformerModel _model;
    private readonly AdamW _optimizer;
    private readonly PretrainSettings _settings;
    private readonly TokenWindows _windows;
    private readonly LearningRateSchedule _schedule;

    private PretrainRun(string runDir, TransformerModel model, AdamW optimizer, PretrainSettings settings, int[] tokens, int nextStep)
    {
        _runDir = runDir;
        _model = model;
        _optimizer = optimizer;
        _settings = settings.Validate();
        if (settings.SequenceLength > model.Config.MaxPositions && model.Config.IsGpt2)
            throw new ArgumentException($"sequence length {settings.SequenceLength} exceeds the model's {model.Config.MaxPositions} positions");
        foreach (var t in tokens)
            if ((uint)t >= (uint)model.Config.VocabSize)
                throw new ArgumentException($"token id {t} is outside the model's vocabulary of {model.Config.VocabSize}");
        _windows = new TokenWindows(tokens, settings.SequenceLength, settings.ValidationFraction);
        _schedule = LearningRateSchedule.WarmupCosine(settings.LearningRate, settings.WarmupSteps, settings.Steps,
            settings.LearningRate * settings.MinLearningRateRatio);
        NextStep = nextStep;
    }

    /// <summary>The 0-based step the run takes next (equals Steps when it is finished).</summary>
    public int NextStep { get; private set; }

    /// <summary>The step count the run ends at.</summary>
    public int TotalSteps => _settings.Steps;

    public TransformerModel Model => _model;

    public TokenWindows Windows => _windows;

    public static PretrainRun Start(string runDir, TransformerModel model, int[] tokens, PretrainSettings settings)
    {
        Directory.CreateDirectory(runDir);
        var optimizer = AdamW.For(model, new AdamWSettings { WeightDecay = settings.WeightDecay });
        return new PretrainRun(runDir, model, optimizer, settings, tokens, 0);
    }

    /// <summary>Continues from the newest checkpoint of the run folder; <paramref name="steps"/> may extend the run.</summary>
    public static PretrainRun Resume(string runDir, int[] tokens, int? steps = null)
    {
        var latest = PretrainCheckpoint.Latest(runDir)
            ?? throw new InvalidOperationException($"{runDir}: no checkpoint to resume from (expected {Path.Combine(runDir, PretrainCheckpoint.Folder, "step-*")})");
        var (model, optimizer, state) = PretrainCheckpoint.Load(latest);
        var settings = steps is { } s ? state.Settings with { Steps = s } : state.Settings;
        MetricsLog.DropStepsAfter(Path.Combine(runDir, MetricsFile), state.Step);
        return new PretrainRun(runDir, model, optimizer, settings, tokens, state.Step);
    }

    /// <summary>Runs the remaining steps; cancellation stops after the current step and still writes a checkpoint.</summary>
    public void Run(IProgress<PretrainProgress>? progress = null, CancellationToken cancel = default)
    {
        var B = _settings.BatchSize;
        var T = _settings.SequenceLength;
        var tokens = new int[B * T];   // (B,T)
        var targets = new int[B * T];  // (B,T)
        using var metrics = new StreamWriter(Path.Combine(_runDir, MetricsFile), append: true);
        var watch = new Stopwatch();
        var savedStep = NextStep;
        while (NextStep < _settings.Steps && !cancel.IsCancellationRequested)
        {
            var step = NextStep;
            watch.Restart();
            _windows.TrainBatch(_settings.Seed, step, tokens, targets, B);
            var lr = _schedule.At(step);
            var (loss, norm) = NextTokenStep.Take(_model, _optimizer, tokens, targets, B, T, lr, _settings.GradientClip);
            var tokensPerSecond = B * T / watch.Elapsed.TotalSeconds;
            NextStep = step + 1;

            float? validation = NextStep % _settings.EvalEvery == 0 || NextStep == _settings.Steps ? ValidationLoss() : null;
            string? checkpoint = null;
            if (NextStep % _settings.CheckpointEvery == 0 || NextStep == _settings.Steps)
            {
                checkpoint = SaveCheckpoint();
                savedStep = NextStep;
            }
            metrics.WriteLine(JsonSerializer.Serialize(new
            {
                step = NextStep, loss, val_loss = validation, lr, grad_norm = norm, tokens_per_s = tokensPerSecond,
            }));
            metrics.Flush();
            progress?.Report(new PretrainProgress(NextStep, _settings.Steps, loss, validation, lr, norm, tokensPerSecond, checkpoint));
        }
        // A cancelled run keeps every step it took.
        if (savedStep != NextStep) SaveCheckpoint();
        HuggingFaceCheckpoint.Save(_runDir, _model);
    }

    /// <summary>Mean cross-entropy over the fixed validation windows.</summary>
    public float ValidationLoss()
    {
        var B = _settings.BatchSize;
        var T = _settings.SequenceLength;
        var tokens = new int[B * T];
        var targets = new int[B * T];
        double sum = 0;
        for (var i = 0; i < _settings.EvalBatches; i++)
        {
            _windows.ValidationBatch(i, _settings.EvalBatches, tokens, targets, B);
            sum += _model.ForwardLoss(tokens, targets, B, T);
        }
        return (float)(sum / _settings.EvalBatches);
    }

    private string SaveCheckpoint() =>
        PretrainCheckpoint.Save(_runDir, _model, _optimizer, new PretrainCheckpoint.State(NextStep, _optimizer.StepCount, _settings));
}
