using System.Diagnostics;
using System.Text.Json;
using Fpo.Models.Transformer;
using Fpo.Sae.Formats;
using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Training;

/// <summary>
/// Trains an SAE on a model's residual stream: token stream → <see cref="ActivationHarvester"/> → shuffling
/// <see cref="ActivationBuffer"/> → <see cref="SaeTrainer"/>, with a metrics.jsonl line per step, checkpoints and
/// resume. When the run ends (or is cancelled) the SAE is saved in the run folder in the SAELens layout, reading raw
/// activations (normalisation folded in; BatchTopK as JumpReLU), so the folder can be passed wherever --sae is expected.
/// </summary>
public sealed class SaeTrainingRun
{
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>At most this many rows of the first buffer set the input scale and b_dec (the geometric median is
    /// O(rows·D) per Weiszfeld iteration).</summary>
    public const int InitSampleRows = 16384;

    private readonly string _runDir;
    private readonly TransformerModel _model;
    private readonly ReadOnlyMemory<int> _tokens;
    private readonly SaeTrainer _trainer;
    private readonly ActivationBuffer _buffer;
    private readonly long _runTokens;
    private long _tokensHarvested;

    private SaeTrainingRun(string runDir, TransformerModel model, ReadOnlyMemory<int> tokens, SaeTrainer trainer, ActivationBuffer buffer,
        long runTokens, long tokensHarvested)
    {
        (_runDir, _model, _tokens, _trainer, _buffer) = (runDir, model, tokens, trainer, buffer);
        (_runTokens, _tokensHarvested) = (runTokens, tokensHarvested);
        var c = trainer.Weights.Config;
        if (c.InputSize != model.Config.Channels)
            throw new ArgumentException($"the SAE's d_in is {c.InputSize}, the model's residual width is {model.Config.Channels}");
        if (c.Layer >= model.Config.Layers)
            throw new ArgumentException($"the SAE reads layer {c.Layer}, the model has layers 0..{model.Config.Layers - 1}");
    }

    public SaeTrainer Trainer => _trainer;
    public int NextStep => _trainer.Step;
    public int TotalSteps => _trainer.Schedule.TotalSteps;

    /// <summary>Tokens the run trains on in all (whole windows, whole batches).</summary>
    public long RunTokens => (long)TotalSteps * _trainer.Settings.BatchSize;

    /// <summary>A new run over <paramref name="tokens"/>, reading resid_post of <see cref="SaeConfig.Layer"/>.</summary>
    public static SaeTrainingRun Start(string runDir, TransformerModel model, ReadOnlyMemory<int> tokens, SaeConfig config, SaeTrainingSettings settings)
    {
        settings.Validate();
        config.Validate();
        if (settings.ContextSize > model.Config.MaxPositions)
            throw new ArgumentException($"context size {settings.ContextSize} exceeds the model's {model.Config.MaxPositions} positions");
        var steps = settings.StepsFor(tokens.Length);
        if (steps < 1)
            throw new ArgumentException($"{tokens.Length:N0} tokens (of {settings.TotalTokens:N0} asked for) make no batch of {settings.BatchSize} activations in whole windows of {settings.ContextSize}");
        var runTokens = (long)steps * settings.BatchSize;
        Directory.CreateDirectory(runDir);
        var trainer = new SaeTrainer(config, settings, steps, runTokens);
        var buffer = new ActivationBuffer(settings.EffectiveBufferRows, config.InputSize, settings.Seed);
        return new SaeTrainingRun(runDir, model, tokens, trainer, buffer, runTokens, 0);
    }

    /// <summary>Continues from the newest checkpoint of the run folder, with its saved config and settings; the token
    /// stream must be the one the run started with.</summary>
    public static SaeTrainingRun Resume(string runDir, TransformerModel model, ReadOnlyMemory<int> tokens)
    {
        var latest = SaeTrainingCheckpoint.Latest(runDir)
            ?? throw new InvalidOperationException($"{runDir}: no checkpoint to resume from (expected {Path.Combine(runDir, SaeTrainingCheckpoint.Folder, "step-*")})");
        var (trainer, buffer, state) = SaeTrainingCheckpoint.Load(latest);
        if (state.Settings.StepsFor(tokens.Length) != state.TotalSteps)
            throw new ArgumentException($"{latest}: the run was planned for {state.TotalSteps} steps, but the {tokens.Length:N0} tokens given make {state.Settings.StepsFor(tokens.Length)}: resume with the same token stream");
        return new SaeTrainingRun(runDir, model, tokens, trainer, buffer, state.RunTokens, state.TokensHarvested);
    }

    /// <summary>Runs the remaining steps; cancellation stops after the current step and still checkpoints and saves.</summary>
    public void Run(IProgress<SaeTrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var s = _trainer.Settings;
        var c = _trainer.Weights.Config;
        var B = s.BatchSize;
        var harvester = new ActivationHarvester(_model, c.Layer, ResidualHook.ResidPost, s.ContextSize, s.WindowsPerPass);
        using var metrics = new StreamWriter(Path.Combine(_runDir, MetricsFile), append: true);
        var savedStep = _trainer.Step;
        // Harvesting comes in bursts (a model pass refills the buffer every few steps), so a single step's rate swings
        // several-fold: progress reports the average since this Run started, which also makes a steady ETA.
        var watch = Stopwatch.StartNew();
        var session = Stopwatch.StartNew();
        var firstStep = _trainer.Step;
        if (_trainer.Step < TotalSteps && !cancel.IsCancellationRequested)
            foreach (var batch in harvester.Batches(_tokens, s.TotalTokens, _buffer, B, _tokensHarvested))
            {
                _tokensHarvested = harvester.TokensHarvested;
                if (_trainer.Step == 0) Initialize(batch, B);
                var m = _trainer.TrainStep(batch, B);
                var tokensPerSecond = B / watch.Elapsed.TotalSeconds;
                watch.Restart();
                string? checkpoint = null;
                var done = _trainer.Step >= TotalSteps || cancel.IsCancellationRequested;
                if (_trainer.Step % s.CheckpointEvery == 0 || done)
                {
                    checkpoint = SaveCheckpoint();
                    savedStep = _trainer.Step;
                }
                metrics.WriteLine(JsonSerializer.Serialize(new
                {
                    step = m.Step, tokens = _trainer.TokensTrained, mse = m.Mse, sparsity = m.Sparsity, auxk = m.AuxK, l0 = m.L0,
                    dead_fraction = m.DeadFraction, lr = m.LearningRate, coefficient = m.SparsityCoefficient, tokens_per_s = tokensPerSecond,
                }));
                metrics.Flush();
                var averageRate = (double)(_trainer.Step - firstStep) * B / session.Elapsed.TotalSeconds;
                progress?.Report(new SaeTrainingProgress(_trainer.Step, TotalSteps, _trainer.TokensTrained, RunTokens, averageRate, m, checkpoint));
                if (done) break;
            }
        if (savedStep != _trainer.Step) SaveCheckpoint();
        if (_trainer.Step > 0) SaeFolder.Save(_runDir, _trainer.ForInference());
    }

    // The first batch plus the rows the buffer holds at that moment: the scale and b_dec come from a broad sample of
    // the stream, not from one batch. Runs before any checkpoint exists, so resume never repeats it.
    private void Initialize(float[] batch, int B)
    {
        var D = _trainer.Weights.Config.InputSize;
        var rows = Math.Min(InitSampleRows, B + _buffer.Count);
        var sample = new float[rows * D];  // (rows, D)
        batch.AsSpan(0, Math.Min(B, rows) * D).CopyTo(sample);
        if (rows > B) _buffer.Rows[..((rows - B) * D)].CopyTo(sample.AsSpan(B * D));
        _trainer.Initialize(sample, rows);
    }

    private string SaveCheckpoint() => SaeTrainingCheckpoint.Save(_runDir, _trainer, _buffer, _tokensHarvested, _runTokens);
}
