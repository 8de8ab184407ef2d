using System.Text.Json;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Formats;

namespace Fpo.Alignment.Tests.Training;

/// <summary>The preference training run: resume is bit-identical to an uninterrupted run, the metrics log, the held-out
/// split, the frozen TDPO reference, and the data checks that stop a run before its first step.</summary>
public sealed class PreferenceRunTests : IDisposable
{
    private const int Seed = 5;
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-prefrun-").FullName;
    private readonly string _saeDir;
    private readonly SaeWeights _sae;
    private readonly List<PreferencePair> _pairs;

    public PreferenceRunTests()
    {
        _sae = TinyPreferenceData.Sae(new TransformerModel(TinyPreferenceData.Config, Seed));
        _saeDir = Path.Combine(_root, "sae");
        SaeFolder.Save(_saeDir, _sae);
        _pairs = new ReferenceComputation(new TransformerModel(TinyPreferenceData.Config, Seed), _sae, ReferenceData.SaeIdOf(_saeDir))
            .Compute(TinyPreferenceData.Pairs(24));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // 19 training pairs in batches of 4: 5 batches per epoch, so 8 steps cross an epoch and the stop at 3 is mid-epoch.
    private static PreferenceTrainingSettings Settings(string method) => new()
    {
        Method = method, LearningRate = 1e-2f, BatchSize = 4, Steps = 8, CheckpointEvery = 3, HeldOutFraction = 0.2f, EvalEvery = 2, Seed = 3,
    };

    [Theory]
    [InlineData("fpo")]
    [InlineData("tdpo2")]
    [InlineData("dpo")]
    public void AResumedRunEndsBitIdenticalToAnUninterruptedOne(string method)
    {
        var whole = Path.Combine(_root, "whole");
        var wholeRun = Start(whole, method);
        wholeRun.Run(cancel: TestContext.Current.CancellationToken);

        var split = Path.Combine(_root, "split");
        using var stop = new CancellationTokenSource();
        Start(split, method).Run(new Inline(p => { if (p.Step == 4) stop.Cancel(); }), stop.Token);
        Assert.True(Directory.Exists(Path.Combine(split, "checkpoints", "step-0000004")), "a cancelled run checkpoints the step it stopped at");
        var resumed = PreferenceRun.Resume(split, _pairs);
        Assert.Equal(4, resumed.NextStep);
        resumed.Run(cancel: TestContext.Current.CancellationToken);

        Assert.True(wholeRun.Policy.Parameters.AsSpan().SequenceEqual(resumed.Policy.Parameters), $"{method}: resumed weights differ");
        var (_, saved) = HuggingFaceCheckpoint.Load(split);
        Assert.True(saved.Parameters.AsSpan().SequenceEqual(resumed.Policy.Parameters), "the run folder holds the final policy");
        Assert.Equal(Losses(whole), Losses(split));
        Assert.Equal(8, Losses(split).Count);
        Assert.NotEqual(new TransformerModel(TinyPreferenceData.Config, Seed).Parameters, wholeRun.Policy.Parameters);
    }

    [Fact]
    public void MetricsHoldTheMethodsQuantitiesAndHeldOutEvaluations()
    {
        var dir = Path.Combine(_root, "fpo");
        var run = Start(dir, "fpo");
        Assert.Equal(5, run.HeldOutPairs);
        Assert.Equal(19, run.TrainPairs);
        run.Run(cancel: TestContext.Current.CancellationToken);
        var lines = File.ReadAllLines(Path.Combine(dir, PreferenceRun.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, 8), lines.Select(l => l.GetProperty("step").GetInt32()));
        foreach (var l in lines)
        {
            foreach (var field in new[] { "loss", "chosen_reward", "rejected_reward", "margin", "accuracy", "d_fpo_chosen", "d_fpo_rejected", "grad_norm", "lr" })
                Assert.True(l.TryGetProperty(field, out _), $"metrics line without {field}");
            Assert.False(l.TryGetProperty("kl_chosen", out _), "fpo has no sequence KL");
            Assert.Equal(l.GetProperty("step").GetInt32() % 2 == 0, l.TryGetProperty("held_out", out _));
        }
        Assert.Equal(5, lines[^1].GetProperty("held_out").GetProperty("pairs").GetInt32());
        // 10% warmup of 8 steps rounds to 1 step, then the cosine decays to 0 at step 8.
        Assert.Equal(1e-2f, lines[0].GetProperty("lr").GetSingle(), 6);
        Assert.True(lines[^1].GetProperty("lr").GetSingle() < 1e-3f);
    }

    [Fact]
    public void TdpoFreezesTheInitialPolicyInTheRunFolder()
    {
        var dir = Path.Combine(_root, "tdpo");
        var initial = new TransformerModel(TinyPreferenceData.Config, Seed);
        Start(dir, "tdpo1").Run(cancel: TestContext.Current.CancellationToken);
        var (_, reference) = HuggingFaceCheckpoint.Load(Path.Combine(dir, PreferenceRun.ReferenceFolder));
        Assert.Equal(initial.Parameters, reference.Parameters);
        var line = JsonDocument.Parse(File.ReadLines(Path.Combine(dir, PreferenceRun.MetricsFile)).First()).RootElement;
        Assert.True(line.TryGetProperty("kl_rejected", out _));
    }

    [Fact]
    public void ResumeRefusesOtherPairs()
    {
        var dir = Path.Combine(_root, "run");
        Start(dir, "simpo").Run(cancel: TestContext.Current.CancellationToken);
        var other = _pairs.Select(p => p with { Label = 0.75 }).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => PreferenceRun.Resume(dir, other));
        Assert.Contains("not the ones the run was trained on", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataTheMethodCannotUseIsRefusedBeforeTheFirstStep()
    {
        var policy = new TransformerModel(TinyPreferenceData.Config, Seed);
        var plain = TinyPreferenceData.Pairs(4);
        var V = TinyPreferenceData.Config.VocabSize;
        string Fails(IReadOnlyList<PreferencePair> pairs, PreferenceLossSettings loss, string? saeId = "sae") =>
            Assert.Throws<ArgumentException>(() => PreferenceDataCheck.Check(pairs, loss, V, _sae, saeId)).Message;

        Assert.Contains("pair 'pair-0' has no reference data, which dpo reads: run ./fpo reference", Fails(plain, new DpoSettings()), StringComparison.Ordinal);
        var logProbsOnly = new ReferenceComputation(policy).Compute(plain);
        Assert.Contains("no reference SAE features, which fpo reads: run ./fpo reference with --sae", Fails(logProbsOnly, new FpoSettings()), StringComparison.Ordinal);
        var otherLayer = _pairs.Select(p => p with { Reference = p.Reference! with { SaeLayer = 0 } }).ToList();
        Assert.Contains("read at layer 0, the SAE reads layer 1", Fails(otherLayer, new FpoSettings()), StringComparison.Ordinal);
        Assert.Contains("come from SAE 'sae', training uses 'other'", Fails(_pairs, new FpoSettings(), "other"), StringComparison.Ordinal);
        var outside = plain.Select(p => p with { ChosenTokens = [V] }).ToList();
        Assert.Contains($"chosen_tokens has token id {V}, outside the policy's vocabulary of {V}", Fails(outside, new SimPoSettings()), StringComparison.Ordinal);
        PreferenceDataCheck.Check(plain, new SimPoSettings(), V, null, null);
        PreferenceDataCheck.Check(plain, new Tdpo2Settings(), V, null, null);
    }

    [Fact]
    public void SettingsDefaultPerMethodAndRejectOptionsTheMethodDoesNotRead()
    {
        var fpo = Assert.IsType<FpoSettings>(new PreferenceTrainingSettings { Method = "fpo" }.Loss());
        Assert.Equal((0.1f, 0.5f, 50, false), (fpo.Beta, fpo.Alpha, fpo.TopK, fpo.PolicyOnlyTopK));
        var simpo = Assert.IsType<SimPoSettings>(new PreferenceTrainingSettings { Method = "simpo" }.Loss());
        Assert.Equal((2.0f, 1.0f), (simpo.Beta, simpo.Gamma));
        var tdpo2 = Assert.IsType<Tdpo2Settings>(new PreferenceTrainingSettings { Method = "tdpo2", Beta = 0.3f, Alpha = 0.2f }.Loss());
        Assert.Equal((0.3f, 0.2f), (tdpo2.Beta, tdpo2.Alpha));
        Assert.Contains("alpha is a setting of fpo and tdpo2, not of dpo",
            Assert.Throws<ArgumentException>(() => new PreferenceTrainingSettings { Method = "dpo", Alpha = 1 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("gamma is a setting of simpo",
            Assert.Throws<ArgumentException>(() => new PreferenceTrainingSettings { Method = "fpo", Gamma = 1 }.Validate()).Message, StringComparison.Ordinal);
        var constant = new PreferenceTrainingSettings { Schedule = "constant", WarmupFraction = 0.5f }.LearningRates(10);
        Assert.Equal([2e-7f, 1e-6f, 1e-6f], new[] { constant.At(0), constant.At(4), constant.At(9) });
    }

    private PreferenceRun Start(string dir, string method) =>
        PreferenceRun.Start(dir, new TransformerModel(TinyPreferenceData.Config, Seed), _pairs, Settings(method),
            sae: method == "fpo" ? (_sae, _saeDir) : null);

    private static List<float> Losses(string dir) =>
        [.. File.ReadLines(Path.Combine(dir, PreferenceRun.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetSingle())];

    private sealed class Inline(Action<PreferenceProgress> report) : IProgress<PreferenceProgress>
    {
        public void Report(PreferenceProgress value) => report(value);
    }
}
