using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fpo.Alignment.Batching;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Work;

/// <summary>
/// What the trainer computes, apart from how preferences reach it: the policy, AdamW and the configured method's step.
/// Before each publish it saves its checkpoint (weights, AdamW moments, step) as checkpoints/step-N in its folder, N the
/// step the snapshot is taken at, and <see cref="OpenAsync"/> resumes from the checkpoint of the newest snapshot's step
/// — so steps taken after the newest snapshot, whose preferences are in no snapshot, are redone rather than applied
/// twice. Publishing is the snapshot store's compare-and-set on version + 1 with the lineage of the preferences in it.
/// With a KL budget, <see cref="ObserveKl"/> feeds each evaluation's held-out KL to the <see cref="KlController"/>; its
/// β and α travel in every snapshot's metadata, so a resumed trainer continues with the strength it had published.
/// Snapshots are published in <see cref="TrainerSettings.SnapshotDType"/>; the fp32 checkpoint stays the master. A
/// checkpoint resumes a snapshot when its weights, written in the snapshot's dtype, are the snapshot's bytes; without
/// one, a trainer resuming from a BF16 snapshot takes its weights widened to fp32 as the master (bfloat16 rounding
/// then stays in the policy: the low mantissa bits of the unpublished fp32 weights are lost).
/// </summary>
public sealed class TrainerWork
{
    private const string StateFile = "trainer_state.json";

    private readonly TransformerModel _policy;
    private readonly AdamW _optimizer;
    private readonly PreferenceStep _step;
    private readonly TrainerSettings _settings;
    private readonly LearningRateSchedule _schedule;
    private readonly string _checkpointDir;
    private readonly string? _saeDir;
    private long _klObservedVersion = -1;

    private TrainerWork(TransformerModel policy, AdamW optimizer, TransformerModel? reference, SaeWeights? sae, string? saeDir,
        TrainerSettings settings, string checkpointDir, SnapshotInfo latest, long trained)
    {
        _policy = policy;
        _optimizer = optimizer;
        _settings = settings;
        var loss = settings.Training.Loss();
        _step = new PreferenceStep(policy, loss, reference, settings.Training.Method == "fpo" ? sae : null);
        if (settings.KlBudget is { } budget && KlController.Supports(loss.Method))
        {
            KlControl = new KlController(budget, settings.KlGain, loss.Beta, AlphaOf(loss) ?? 0);
            if (ControllerState.Read(latest.Metadata) is { } saved)
            {
                KlControl.Restore(saved.Beta, saved.Alpha, saved.Updates);
                _step.Retune(KlControl.Apply(loss));
                _klObservedVersion = saved.ObservedVersion;
            }
        }
        _schedule = LearningRateSchedule.Constant(settings.Training.LearningRate, settings.WarmupSteps);
        _checkpointDir = checkpointDir;
        _saeDir = saeDir;
        Step = latest.TrainerStep;
        SnapshotVersion = latest.Version;
        Trained = trained;
    }

    /// <summary>Optimizer steps taken in the whole run.</summary>
    public long Step { get; private set; }

    /// <summary>The newest snapshot version it published or resumed from.</summary>
    public long SnapshotVersion { get; private set; }

    /// <summary>Preferences in the run's snapshots plus those trained since the newest.</summary>
    public long Trained { get; private set; }

    public TrainerSettings Settings => _settings;

    /// <summary>The KL controller, when the run has a budget and the method a reference term for it to act on.</summary>
    public KlController? KlControl { get; }

    /// <summary>
    /// The evaluator measured <paramref name="klPerToken"/> on snapshot <paramref name="version"/>: one controller
    /// update, from each snapshot once and only from snapshots newer than the last it acted on.
    /// </summary>
    public bool ObserveKl(long version, double klPerToken)
    {
        if (KlControl is null || version <= _klObservedVersion || version == 0) return false;
        _klObservedVersion = version;
        KlControl.Observe(klPerToken);
        _step.Retune(KlControl.Apply(_step.Settings));
        return true;
    }

    /// <summary>
    /// The trainer of a run whose store holds at least version 0: from its checkpoint at the newest snapshot's step when
    /// there is one holding that snapshot's weights, else from the newest snapshot's weights with fresh AdamW moments.
    /// TDPO's reference is snapshot 0.
    /// </summary>
    public static async Task<TrainerWork> OpenAsync(ISnapshotStore snapshots, ModelConfig config, SaeWeights? sae, string? saeDir,
        TrainerSettings settings, string checkpointDir, CancellationToken cancellationToken)
    {
        settings.Validate();
        var all = await snapshots.ListAsync(cancellationToken).ConfigureAwait(false);
        if (all.Count == 0) throw new InvalidOperationException("the snapshot store is empty; publish the initial policy as version 0 before opening the trainer");
        var latest = all[^1];
        var content = await snapshots.GetAsync(latest.Version, cancellationToken).ConfigureAwait(false);
        var resumed = CheckpointAt(checkpointDir, latest.TrainerStep, content);
        TransformerModel policy;
        AdamW optimizer;
        if (resumed is not null)
        {
            (policy, optimizer) = resumed.Value;
            if (policy.Parameters.Length != new ParameterTensors(config).Count)
                throw new InvalidDataException($"{checkpointDir}: the checkpoint of step {latest.TrainerStep} has {policy.Parameters.Length} parameters, the run's model {new ParameterTensors(config).Count}");
        }
        else
        {
            policy = new TransformerModel(config);
            PolicySnapshot.Load(content, policy);
            optimizer = AdamW.For(policy, settings.Training.AdamW());
            optimizer.StepCount = (int)latest.TrainerStep;
        }
        TransformerModel? reference = null;
        if (settings.Training.Method is "tdpo1" or "tdpo2")
        {
            reference = new TransformerModel(config);
            PolicySnapshot.Load(await snapshots.GetAsync(0, cancellationToken).ConfigureAwait(false), reference);
        }
        var trained = all.Sum(s => (long)s.PreferenceCount);
        return new TrainerWork(policy, optimizer, reference, sae, saeDir, settings, checkpointDir, latest, trained);
    }

    /// <summary>Why <paramref name="pair"/> is too stale to train (its policy more than max_policy_lag versions behind), or null.</summary>
    public string? StaleReason(PreferencePair pair)
    {
        var version = pair.PolicyVersion ?? SnapshotVersion;
        return SnapshotVersion - version > _settings.MaxPolicyLag
            ? string.Create(CultureInfo.InvariantCulture, $"stale: policy version {version}, snapshot {SnapshotVersion}, max lag {_settings.MaxPolicyLag}")
            : null;
    }

    /// <summary>One optimizer step on <paramref name="pairs"/>.</summary>
    public TrainerStepReport Train(IReadOnlyList<PreferencePair> pairs)
    {
        var watch = Stopwatch.StartNew();
        var batch = PreferenceBatch.Create([.. pairs], _policy.Config.MaxPositions);
        _policy.ZeroGrad();
        var metrics = _step.Run(batch);
        var norm = GradientClipping.GlobalNorm(_policy.Gradients);
        var lr = _schedule.At((int)Step);
        _optimizer.Step(lr, GradientClipping.ClipScale(norm, _settings.Training.GradientClip));
        Step++;
        Trained += pairs.Count;
        var lag = pairs.Average(p => (double)(SnapshotVersion - (p.PolicyVersion ?? SnapshotVersion)));
        var settings = _step.Settings;
        return new TrainerStepReport(Step, metrics, lr, norm, lag, watch.Elapsed.TotalSeconds, null) { Beta = settings.Beta, Alpha = AlphaOf(settings) };
    }

    /// <summary>
    /// Saves the checkpoint of this step, then publishes the policy as version + 1 holding <paramref name="preferenceIds"/>
    /// (its lineage). Returns the version;
    /// a lost compare-and-set throws <see cref="SnapshotConflictException"/>.
    /// </summary>
    public async Task<long> PublishAsync(ISnapshotStore snapshots, IReadOnlyList<string> preferenceIds, CancellationToken cancellationToken)
    {
        var version = SnapshotVersion + 1;
        var state = new PreferenceCheckpoint.State((int)Step, _optimizer.StepCount, 0, _settings.Training, "online", _saeDir, null);
        PreferenceCheckpoint.Save(_checkpointDir, _policy, _optimizer, state);
        var metadata = JsonSerializer.Serialize(new
        {
            method = _settings.Training.Method, step = Step, trainer = "online",
            kl_controller = KlControl is null ? null : new ControllerState(KlControl.Beta, KlControl.Alpha, KlControl.Updates, _klObservedVersion),
        });
        await snapshots.PublishAsync(new SnapshotPublication(version, PolicySnapshot.Files(_policy, _settings.SnapshotDType), preferenceIds, Step, metadata),
            cancellationToken).ConfigureAwait(false);
        SnapshotVersion = version;
        return version;
    }

    // The checkpoint at the snapshot's step, if it holds the snapshot's weights: in a cluster another trainer (a standby
    // that took over) may have published that step since this folder's checkpoint was written, and resuming from the
    // folder's weights would then train a policy the run never published. The checkpoint's weights file is fp32, so for
    // an F32 snapshot the two files compare as they are; for a BF16 one the checkpoint's weights are written as BF16 first.
    private static (TransformerModel Policy, AdamW Optimizer)? CheckpointAt(string checkpointDir, long step, SnapshotContent snapshot)
    {
        var dir = Path.Combine(checkpointDir, Models.Training.CheckpointFolders.Folder, $"step-{step:D7}");
        var weights = Path.Combine(dir, PolicySnapshot.WeightsFile);
        if (!File.Exists(Path.Combine(dir, StateFile)) || !File.Exists(weights)) return null;
        if (!snapshot.Files.TryGetValue(PolicySnapshot.WeightsFile, out var published)) return null;
        var dtype = PolicySnapshot.DTypeOf(snapshot);
        if (dtype is null) return null;
        if (dtype == SnapshotDType.F32 && !File.ReadAllBytes(weights).AsSpan().SequenceEqual(published)) return null;
        var (policy, optimizer, _) = PreferenceCheckpoint.Load(dir);
        if (dtype != SnapshotDType.F32 && !PolicySnapshot.Files(policy, dtype.Value)[PolicySnapshot.WeightsFile].AsSpan().SequenceEqual(published)) return null;
        return (policy, optimizer);
    }

    private static double? AlphaOf(Alignment.Losses.PreferenceLossSettings settings) => settings switch
    {
        Alignment.Losses.FpoSettings fpo => fpo.Alpha,
        Alignment.Losses.Tdpo2Settings tdpo2 => tdpo2.Alpha,
        _ => null,
    };

    /// <summary>The controller's state in a snapshot's metadata ("kl_controller").</summary>
    private sealed record ControllerState(double Beta, double Alpha, int Updates, long ObservedVersion)
    {
        public static ControllerState? Read(string metadata)
        {
            if (string.IsNullOrEmpty(metadata)) return null;
            try
            {
                using var doc = JsonDocument.Parse(metadata);
                if (!doc.RootElement.TryGetProperty("kl_controller", out var c) || c.ValueKind != JsonValueKind.Object) return null;
                return c.Deserialize<ControllerState>() ?? throw new JsonException("null");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
            {
                throw new InvalidDataException($"the newest snapshot's metadata has an unreadable kl_controller ({e.Message}): {metadata}", e);
            }
        }
    }
}
