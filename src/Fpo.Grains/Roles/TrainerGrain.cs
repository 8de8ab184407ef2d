using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fpo.Alignment.Batching;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Training;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Roles;

/// <summary>
/// <see cref="ITrainerGrain"/>. Exactly-once training comes from three rules. (1) A preference is acknowledged by the
/// publish of the snapshot that holds it (lineage and acknowledgement in one step), and its lease is extended until
/// then. (2) Before each publish the trainer saves its checkpoint (weights, AdamW moments, step) as
/// checkpoints/step-N in its folder, N the step the snapshot is taken at; a resumed trainer starts from the checkpoint
/// of the newest snapshot's step, so steps taken after it — whose preferences are in no snapshot and were never
/// acknowledged — are redone from redelivered records, not applied twice. (3) A delivery of a preference that a
/// snapshot already holds is acknowledged without training, and one that is already trained but not yet published
/// only refreshes its lease. Stale preferences (policy more than max_policy_lag versions behind) are recorded as
/// dropped with the reason and acknowledged.
/// </summary>
public sealed class TrainerGrain : ITrainerGrain
{
    private const string StateFile = "trainer_state.json";

    private readonly IBackbone _backbone;
    private readonly IStream<PreferencePair> _preferences;
    private readonly TransformerModel _policy;
    private readonly AdamW _optimizer;
    private readonly PreferenceStep _step;
    private readonly TrainerSettings _settings;
    private readonly LeaseSettings _leases;
    private readonly LearningRateSchedule _schedule;
    private readonly string _checkpointDir;
    private readonly string? _saeDir;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Leased<PreferencePair>> _buffer = [];   // leased, not yet trained
    private readonly Dictionary<string, Leased<PreferencePair>> _pending = [];  // trained since the last snapshot
    private readonly List<string> _pendingOrder = [];
    private DateTimeOffset _bufferSince, _extendedAt;
    private long _trained, _dropped, _duplicates;

    private TrainerGrain(IBackbone backbone, IStream<PreferencePair> preferences, TransformerModel policy, AdamW optimizer,
        TransformerModel? reference, SaeWeights? sae, string? saeDir, TrainerSettings settings, LeaseSettings leases,
        string checkpointDir, SnapshotInfo latest, long trained, TimeProvider time)
    {
        _backbone = backbone;
        _preferences = preferences;
        _policy = policy;
        _optimizer = optimizer;
        _settings = settings;
        _leases = leases;
        _step = new PreferenceStep(policy, settings.Training.Loss(), reference, settings.Training.Method == "fpo" ? sae : null);
        _schedule = LearningRateSchedule.Constant(settings.Training.LearningRate, settings.WarmupSteps);
        _checkpointDir = checkpointDir;
        _saeDir = saeDir;
        _time = time;
        Step = latest.TrainerStep;
        SnapshotVersion = latest.Version;
        _trained = trained;
    }

    public string Name => "trainer";
    public long Step { get; private set; }
    public long SnapshotVersion { get; private set; }
    public long Trained => Interlocked.Read(ref _trained);
    public long DroppedStale => Interlocked.Read(ref _dropped);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public event Action<TrainerStepReport>? Stepped;

    /// <summary>
    /// The trainer of a run whose store holds at least version 0: from its checkpoint at the newest snapshot's step when
    /// there is one holding that snapshot's weights, else from the newest snapshot's weights with fresh AdamW moments. TDPO's reference is snapshot 0.
    /// </summary>
    public static async Task<TrainerGrain> OpenAsync(IBackbone backbone, IStream<PreferencePair> preferences, ModelConfig config,
        SaeWeights? sae, string? saeDir, TrainerSettings settings, LeaseSettings leases, string checkpointDir,
        CancellationToken cancellationToken, TimeProvider? time = null)
    {
        settings.Validate();
        var snapshots = await backbone.Snapshots.ListAsync(cancellationToken).ConfigureAwait(false);
        if (snapshots.Count == 0) throw new InvalidOperationException("the snapshot store is empty; publish the initial policy as version 0 before opening the trainer");
        var latest = snapshots[^1];
        var content = await backbone.Snapshots.GetAsync(latest.Version, cancellationToken).ConfigureAwait(false);
        var checkpoint = CheckpointAt(checkpointDir, latest.TrainerStep, content);
        TransformerModel policy;
        AdamW optimizer;
        if (checkpoint is not null)
        {
            (policy, optimizer, _) = PreferenceCheckpoint.Load(checkpoint);
            if (policy.Parameters.Length != new ParameterTensors(config).Count)
                throw new InvalidDataException($"{checkpoint}: the checkpoint's model has {policy.Parameters.Length} parameters, the run's model {new ParameterTensors(config).Count}");
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
            PolicySnapshot.Load(await backbone.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(false), reference);
        }
        var trained = snapshots.Sum(s => (long)s.PreferenceCount);
        return new TrainerGrain(backbone, preferences, policy, optimizer, reference, sae, saeDir, settings, leases, checkpointDir, latest, trained, time ?? TimeProvider.System);
    }

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var want = _settings.Training.BatchSize - _buffer.Count;
        var leased = await _preferences.LeaseAsync(want, _leases.Visibility, _leases.Wait, cancellationToken).ConfigureAwait(false);
        foreach (var record in leased) await AdmitAsync(record, cancellationToken).ConfigureAwait(false);
        await ExtendHeldAsync(cancellationToken).ConfigureAwait(false);
        var full = _buffer.Count >= _settings.Training.BatchSize;
        var waited = _buffer.Count > 0 && _time.GetUtcNow() - _bufferSince >= _settings.BatchWait;
        if (!full && !waited) return leased.Count > 0;
        cancellationToken.ThrowIfCancellationRequested();
        var report = Train();
        if (Step % _settings.SnapshotEvery == 0) report = report with { PublishedVersion = await PublishAsync(cancellationToken).ConfigureAwait(false) };
        await _backbone.Journal.AppendAsync(JournalKinds.TrainerStep, Step.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(report, JournalKinds.Json), cancellationToken).ConfigureAwait(false);
        Stepped?.Invoke(report);
        return true;
    }

    /// <summary>A clean stop: publishes what was trained since the last snapshot, so every trained preference is in one and acknowledged.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count > 0) await PublishAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task AdmitAsync(Leased<PreferencePair> record, CancellationToken cancellationToken)
    {
        if (_pending.ContainsKey(record.Id) || _buffer.ContainsKey(record.Id))
        {
            // The earlier lease expired while this trainer held the record; keep the live one so the acknowledgement lands.
            (_pending.ContainsKey(record.Id) ? _pending : _buffer)[record.Id] = record;
            Interlocked.Increment(ref _duplicates);
            return;
        }
        if (await _backbone.Lineage.SnapshotOfAsync(record.Id, cancellationToken).ConfigureAwait(false) is not null)
        {
            await _preferences.AcknowledgeAsync([record], cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _duplicates);
            return;
        }
        var version = record.Value.PolicyVersion ?? SnapshotVersion;
        if (SnapshotVersion - version > _settings.MaxPolicyLag)
        {
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"stale: policy version {version}, snapshot {SnapshotVersion}, max lag {_settings.MaxPolicyLag}");
            await _backbone.Lineage.RecordDroppedAsync(record.Id, reason, cancellationToken).ConfigureAwait(false);
            await _preferences.AcknowledgeAsync([record], cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _dropped);
            return;
        }
        if (_buffer.Count == 0) _bufferSince = _time.GetUtcNow();
        _buffer[record.Id] = record;
    }

    private TrainerStepReport Train()
    {
        var watch = Stopwatch.StartNew();
        var pairs = _buffer.Values.Select(l => l.Value).ToList();
        var batch = PreferenceBatch.Create(pairs, _policy.Config.MaxPositions);
        _policy.ZeroGrad();
        var metrics = _step.Run(batch);
        var norm = GradientClipping.GlobalNorm(_policy.Gradients);
        var lr = _schedule.At((int)Step);
        _optimizer.Step(lr, GradientClipping.ClipScale(norm, _settings.Training.GradientClip));
        Step++;
        var lag = pairs.Average(p => (double)(SnapshotVersion - (p.PolicyVersion ?? SnapshotVersion)));
        foreach (var (id, lease) in _buffer)
        {
            _pending[id] = lease;
            _pendingOrder.Add(id);
        }
        _buffer.Clear();
        Interlocked.Add(ref _trained, pairs.Count);
        return new TrainerStepReport(Step, metrics, lr, norm, lag, watch.Elapsed.TotalSeconds, null);
    }

    private async Task<long> PublishAsync(CancellationToken cancellationToken)
    {
        var version = SnapshotVersion + 1;
        SaveCheckpoint();
        var metadata = JsonSerializer.Serialize(new { method = _settings.Training.Method, step = Step, trainer = "online" });
        // The publish acknowledges the preferences in their stream too, whoever holds their leases now.
        await _backbone.Snapshots.PublishAsync(
            new SnapshotPublication(version, PolicySnapshot.Files(_policy), [.. _pendingOrder], Step, metadata, ConsumedStream: _preferences.Name),
            cancellationToken).ConfigureAwait(false);
        SnapshotVersion = version;
        _pending.Clear();
        _pendingOrder.Clear();
        return version;
    }

    private void SaveCheckpoint()
    {
        var state = new PreferenceCheckpoint.State((int)Step, _optimizer.StepCount, 0, _settings.Training, "online", _saeDir, null);
        PreferenceCheckpoint.Save(_checkpointDir, _policy, _optimizer, state);
    }

    // Held records (buffered and trained-but-unpublished) get a fresh lease once a third of the visibility has passed.
    private async Task ExtendHeldAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now - _extendedAt < _leases.Visibility / 3) return;
        _extendedAt = now;
        var held = _pending.Values.Concat(_buffer.Values).ToList();
        if (held.Count > 0) await _preferences.ExtendAsync(held, _leases.Visibility, cancellationToken).ConfigureAwait(false);
    }

    // The checkpoint at the snapshot's step, if it holds the snapshot's weights: in a cluster another trainer (a standby
    // that took over) may have published that step since this folder's checkpoint was written, and resuming from the
    // folder's weights would then train a policy the run never published.
    private static string? CheckpointAt(string checkpointDir, long step, SnapshotContent snapshot)
    {
        var dir = Path.Combine(checkpointDir, Models.Training.CheckpointFolders.Folder, $"step-{step:D7}");
        var weights = Path.Combine(dir, PolicySnapshot.WeightsFile);
        if (!File.Exists(Path.Combine(dir, StateFile)) || !File.Exists(weights)) return null;
        return snapshot.Files.TryGetValue(PolicySnapshot.WeightsFile, out var published) && File.ReadAllBytes(weights).AsSpan().SequenceEqual(published) ? dir : null;
    }
}
