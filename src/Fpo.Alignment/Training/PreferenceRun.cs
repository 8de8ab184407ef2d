using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fpo.Alignment.Batching;
using Fpo.Alignment.Preferences;
using Fpo.Models.Checkpoints;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Formats;

namespace Fpo.Alignment.Training;

/// <summary>
/// Offline preference training of a policy on a file of pairs with one of the five methods: length-packed batches in a
/// seeded order per epoch, <see cref="PreferenceStep"/>, global-norm clipping, AdamW with warmup + cosine (or constant)
/// learning rate, metrics per step and on a held-out share of the pairs, checkpoints, and resume. TDPO reads a frozen
/// reference model: a given folder, or by default a copy of the policy's initial weights saved in the run folder, so a
/// resumed run compares against the same one. When the run ends (or is cancelled) the policy is saved in the run
/// folder in the Hugging Face layout.
/// </summary>
public sealed class PreferenceRun
{
    public const string MetricsFile = "metrics.jsonl";
    /// <summary>Subfolder holding the frozen initial policy that TDPO compares against when no reference is given.</summary>
    public const string ReferenceFolder = "reference";

    private readonly string _runDir;
    private readonly TransformerModel _policy;
    private readonly AdamW _optimizer;
    private readonly PreferenceTrainingSettings _settings;
    private readonly PreferenceStep _step;
    private readonly LearningRateSchedule _schedule;
    private readonly List<PreferencePair> _train = [];
    private readonly List<PreferenceBatch> _heldOut;
    private readonly string _fingerprint;
    private readonly string? _saeDir, _referenceDir;
    private int _epoch = -1;
    private List<PreferenceBatch> _batches = [];

    private PreferenceRun(string runDir, TransformerModel policy, AdamW optimizer, PreferenceTrainingSettings settings, IReadOnlyList<PreferencePair> pairs,
        (SaeWeights Weights, string Dir)? sae, (TransformerModel Model, string? Dir)? reference, int nextStep, int? totalSteps)
    {
        _runDir = runDir;
        _policy = policy;
        _optimizer = optimizer;
        _settings = settings.Validate();
        var loss = settings.Loss();
        PreferenceDataCheck.Check(pairs, loss, policy.Config.VocabSize, sae?.Weights, sae is { } s ? ReferenceData.SaeIdOf(s.Dir) : null);
        _step = new PreferenceStep(policy, loss, reference?.Model, sae?.Weights);
        _saeDir = sae?.Dir;
        _referenceDir = reference?.Dir;
        _fingerprint = Fingerprint(pairs);
        var heldOut = Split(pairs, settings, _train);
        var maxPositions = policy.Config.MaxPositions;
        // Packing every pair once up front names a pair that does not fit before any step is taken.
        _heldOut = heldOut.Count == 0 ? [] : PreferenceBatcher.Pack(heldOut, settings.BatchSize, maxPositions, settings.Seed);
        BatchesPerEpoch = (_train.Count + settings.BatchSize - 1) / settings.BatchSize;
        TotalSteps = totalSteps ?? (settings.Steps > 0 ? settings.Steps : settings.Epochs * BatchesPerEpoch);
        _schedule = settings.LearningRates(TotalSteps);
        NextStep = nextStep;
        Batch(Math.Min(nextStep, TotalSteps - 1));
    }

    /// <summary>The 0-based step the run takes next (equals TotalSteps when it is finished).</summary>
    public int NextStep { get; private set; }
    public int TotalSteps { get; }
    public int BatchesPerEpoch { get; }
    public int TrainPairs => _train.Count;
    public int HeldOutPairs => _heldOut.Sum(b => b.B);
    public TransformerModel Policy => _policy;
    public PreferenceTrainingSettings Settings => _settings;
    /// <summary>The held-out metrics of the latest evaluation this process ran; null before one.</summary>
    public PreferenceMetrics? LastHeldOut { get; private set; }

    /// <summary>
    /// A new run in <paramref name="runDir"/>. <paramref name="sae"/> (FPO) and <paramref name="reference"/> (TDPO) come
    /// with the folders they were loaded from, which the checkpoints record; without a reference TDPO freezes a copy of
    /// the policy as it is now. <paramref name="tokenizerFile"/> is copied so the run folder is a complete model folder.
    /// </summary>
    public static PreferenceRun Start(string runDir, TransformerModel policy, IReadOnlyList<PreferencePair> pairs, PreferenceTrainingSettings settings,
        string? tokenizerFile = null, (SaeWeights Weights, string Dir)? sae = null, (TransformerModel Model, string Dir)? reference = null)
    {
        settings.Validate();
        var tdpo = settings.Method is "tdpo1" or "tdpo2";
        if (sae is not null && settings.Method != "fpo") throw new ArgumentException($"{settings.Method} reads no SAE; only fpo does");
        if (reference is not null && !tdpo) throw new ArgumentException($"{settings.Method} runs no reference model (its reference data is offline); only tdpo1 and tdpo2 do");
        Directory.CreateDirectory(runDir);
        (TransformerModel Model, string? Dir)? frozen = null;
        if (tdpo)
        {
            if (reference is { } r) frozen = (r.Model, Path.GetFullPath(r.Dir));
            else
            {
                var copy = new TransformerModel(policy.Config);
                policy.Parameters.CopyTo(copy.Parameters, 0);
                HuggingFaceCheckpoint.Save(Path.Combine(runDir, ReferenceFolder), copy);
                frozen = (copy, null);
            }
        }
        if (tokenizerFile is not null) File.Copy(tokenizerFile, Path.Combine(runDir, "tokenizer.json"), overwrite: true);
        var optimizer = AdamW.For(policy, settings.AdamW());
        var absoluteSae = sae is { } s ? (s.Weights, Path.GetFullPath(s.Dir)) : ((SaeWeights, string)?)null;
        File.Delete(Path.Combine(runDir, MetricsFile));
        return new PreferenceRun(runDir, policy, optimizer, settings, pairs, absoluteSae, frozen, 0, null);
    }

    /// <summary>
    /// Continues from the newest checkpoint with its settings, SAE and reference; the pairs must be the ones it was
    /// started on. <paramref name="steps"/> may change the total (and with it the cosine schedule).
    /// </summary>
    public static PreferenceRun Resume(string runDir, IReadOnlyList<PreferencePair> pairs, int? steps = null)
    {
        var latest = PreferenceCheckpoint.Latest(runDir)
            ?? throw new InvalidOperationException($"{runDir}: no checkpoint to resume from (expected {Path.Combine(runDir, "checkpoints", "step-*")})");
        var (policy, optimizer, state) = PreferenceCheckpoint.Load(latest);
        if (Fingerprint(pairs) != state.DataFingerprint)
            throw new InvalidOperationException($"{runDir}: these pairs are not the ones the run was trained on (different content or order); resume with the same pairs file");
        (SaeWeights, string)? sae = null;
        if (state.SaeDir is { } saeDir)
        {
            var weights = SaeFolder.Load(saeDir);
            SaeModelCheck.Check(weights.Config, policy.Config, saeDir);
            sae = (weights, saeDir);
        }
        (TransformerModel, string?)? reference = null;
        if (state.Settings.Method is "tdpo1" or "tdpo2")
            reference = (HuggingFaceCheckpoint.Load(state.ReferenceDir ?? Path.Combine(runDir, ReferenceFolder)).Model, state.ReferenceDir);
        var settings = steps is { } s ? state.Settings with { Steps = s } : state.Settings;
        TruncateMetrics(Path.Combine(runDir, MetricsFile), state.Step);
        return new PreferenceRun(runDir, policy, optimizer, settings, pairs, sae, reference, state.Step, steps ?? state.TotalSteps);
    }

    /// <summary>Runs the remaining steps; cancellation stops after the current step and still writes a checkpoint.</summary>
    public void Run(IProgress<PreferenceProgress>? progress = null, CancellationToken cancel = default)
    {
        using var metrics = new StreamWriter(Path.Combine(_runDir, MetricsFile), append: true);
        var watch = new Stopwatch();
        var savedStep = NextStep;
        while (NextStep < TotalSteps && !cancel.IsCancellationRequested)
        {
            var step = NextStep;
            watch.Restart();
            var batch = Batch(step);
            _policy.ZeroGrad();
            var m = _step.Run(batch);
            var norm = GradientClipping.GlobalNorm(_policy.Gradients);
            var lr = _schedule.At(step);
            _optimizer.Step(lr, GradientClipping.ClipScale(norm, _settings.GradientClip));
            var pairsPerSecond = batch.B / watch.Elapsed.TotalSeconds;
            NextStep = step + 1;

            var heldOut = _heldOut.Count > 0 && (NextStep % _settings.EvalEvery == 0 || NextStep == TotalSteps) ? Evaluate() : null;
            LastHeldOut = heldOut ?? LastHeldOut;
            string? checkpoint = null;
            if (NextStep % _settings.CheckpointEvery == 0 || NextStep == TotalSteps)
            {
                checkpoint = SaveCheckpoint();
                savedStep = NextStep;
            }
            var epoch = step / BatchesPerEpoch;
            metrics.WriteLine(MetricsLine(NextStep, epoch, m, heldOut, lr, norm, pairsPerSecond));
            metrics.Flush();
            progress?.Report(new PreferenceProgress(NextStep, TotalSteps, epoch, m, heldOut, lr, norm, pairsPerSecond, checkpoint));
        }
        // A cancelled run keeps every step it took.
        if (savedStep != NextStep) SaveCheckpoint();
        HuggingFaceCheckpoint.Save(_runDir, _policy);
    }

    /// <summary>The metrics of the current policy on the held-out pairs (forward only).</summary>
    public PreferenceMetrics? Evaluate() => _heldOut.Count == 0 ? null : PreferenceMetrics.Mean([.. _heldOut.Select(_step.Evaluate)]);

    private PreferenceBatch Batch(int step)
    {
        var epoch = step / BatchesPerEpoch;
        if (epoch != _epoch)
        {
            _batches = PreferenceBatcher.Pack(_train, _settings.BatchSize, _policy.Config.MaxPositions, unchecked(_settings.Seed * 7919 + epoch));
            _epoch = epoch;
        }
        return _batches[step % BatchesPerEpoch];
    }

    private string SaveCheckpoint() => PreferenceCheckpoint.Save(_runDir, _policy, _optimizer,
        new PreferenceCheckpoint.State(NextStep, _optimizer.StepCount, TotalSteps, _settings, _fingerprint, _saeDir, _referenceDir));

    // Held out: round(fraction × n) pairs (at least one when the fraction is positive, never all) picked with the seed;
    // both parts keep the file's order.
    private static List<PreferencePair> Split(IReadOnlyList<PreferencePair> pairs, PreferenceTrainingSettings settings, List<PreferencePair> train)
    {
        var count = settings.HeldOutFraction == 0 || pairs.Count < 2 ? 0 : Math.Clamp((int)Math.Round(settings.HeldOutFraction * pairs.Count), 1, pairs.Count - 1);
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        new Random(settings.Seed).Shuffle(order);
        var held = new HashSet<int>(order.Take(count));
        var heldOut = new List<PreferencePair>();
        for (var i = 0; i < pairs.Count; i++) (held.Contains(i) ? heldOut : train).Add(pairs[i]);
        return heldOut;
    }

    private static string Fingerprint(IReadOnlyList<PreferencePair> pairs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var pair in pairs) hash.AppendData(Encoding.UTF8.GetBytes(PreferenceJsonl.ToLine(pair) + "\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // A run that crashed after its last checkpoint logged steps it will take again; those lines go.
    private static void TruncateMetrics(string path, int step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadLines(path).Where(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("step").GetInt32() <= step;
        }).ToList();
        File.WriteAllLines(path, kept);
    }

    private static string MetricsLine(int step, int epoch, PreferenceMetrics m, PreferenceMetrics? heldOut, float lr, float norm, double pairsPerSecond) =>
        JsonSerializer.Serialize(new
        {
            step, epoch, loss = m.Loss, chosen_reward = m.ChosenReward, rejected_reward = m.RejectedReward, margin = m.Margin, accuracy = m.Accuracy,
            d_fpo_chosen = m.FeatureDivergenceChosen, d_fpo_rejected = m.FeatureDivergenceRejected,
            kl_chosen = m.SequenceKlChosen, kl_rejected = m.SequenceKlRejected,
            grad_norm = norm, lr, pairs_per_s = pairsPerSecond,
            held_out = heldOut is null ? null : new
            {
                pairs = heldOut.Pairs, loss = heldOut.Loss, chosen_reward = heldOut.ChosenReward, rejected_reward = heldOut.RejectedReward,
                margin = heldOut.Margin, accuracy = heldOut.Accuracy,
                d_fpo_chosen = heldOut.FeatureDivergenceChosen, d_fpo_rejected = heldOut.FeatureDivergenceRejected,
                kl_chosen = heldOut.SequenceKlChosen, kl_rejected = heldOut.SequenceKlRejected,
            },
        }, MetricsJson);

    private static readonly JsonSerializerOptions MetricsJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}
