using Fpo.Grains.Loop;
using System.Globalization;
using System.Text.Json;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Work;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Roles;

/// <summary>
/// The polling trainer of the backbone's runtime around <see cref="TrainerWork"/>. Exactly-once training comes from three rules. (1) A preference is acknowledged by the
/// publish of the snapshot that holds it (lineage and acknowledgement in one step), and its lease is extended until
/// then. (2) Before each publish the trainer saves its checkpoint (weights, AdamW moments, step) as
/// checkpoints/step-N in its folder, N the step the snapshot is taken at; a resumed trainer starts from the checkpoint
/// of the newest snapshot's step, so steps taken after it — whose preferences are in no snapshot and were never
/// acknowledged — are redone from redelivered records, not applied twice. (3) A delivery of a preference that a
/// snapshot already holds is acknowledged without training, and one that is already trained but not yet published
/// only refreshes its lease. Stale preferences (policy more than max_policy_lag versions behind) are recorded as
/// dropped with the reason and acknowledged.
/// </summary>
public sealed class TrainerGrain : IPollingGrain
{
    private readonly IBackbone _backbone;
    private readonly IStream<PreferencePair> _preferences;
    private readonly TrainerWork _work;
    private readonly TrainerSettings _settings;
    private readonly LeaseSettings _leases;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Leased<PreferencePair>> _buffer = [];   // leased, not yet trained
    private readonly Dictionary<string, Leased<PreferencePair>> _pending = [];  // trained since the last snapshot
    private readonly List<string> _pendingOrder = [];
    private DateTimeOffset _bufferSince, _extendedAt;
    private long _dropped, _duplicates;

    private TrainerGrain(IBackbone backbone, IStream<PreferencePair> preferences, TrainerWork work, LeaseSettings leases, TimeProvider time)
    {
        _backbone = backbone;
        _preferences = preferences;
        _work = work;
        _settings = work.Settings;
        _leases = leases;
        _time = time;
    }

    public string Name => "trainer";
    public long Step => _work.Step;
    public long SnapshotVersion => _work.SnapshotVersion;
    public long Trained => _work.Trained;
    public long DroppedStale => Interlocked.Read(ref _dropped);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public event Action<TrainerStepReport>? Stepped;

    /// <summary>The trainer of a run whose store holds at least version 0, resumed as <see cref="TrainerWork.OpenAsync"/> says.</summary>
    public static async Task<TrainerGrain> OpenAsync(IBackbone backbone, IStream<PreferencePair> preferences, ModelConfig config,
        SaeWeights? sae, string? saeDir, TrainerSettings settings, LeaseSettings leases, string checkpointDir,
        CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var work = await TrainerWork.OpenAsync(backbone.Snapshots, config, sae, saeDir, settings, checkpointDir, cancellationToken).ConfigureAwait(false);
        return new TrainerGrain(backbone, preferences, work, leases, time ?? TimeProvider.System);
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
        var report = _work.Train([.. _buffer.Values.Select(l => l.Value)]);
        foreach (var (id, lease) in _buffer)
        {
            _pending[id] = lease;
            _pendingOrder.Add(id);
        }
        _buffer.Clear();
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
        if (_work.StaleReason(record.Value) is { } reason)
        {
            await _backbone.Lineage.RecordDroppedAsync(record.Id, reason, cancellationToken).ConfigureAwait(false);
            await _preferences.AcknowledgeAsync([record], cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _dropped);
            return;
        }
        if (_buffer.Count == 0) _bufferSince = _time.GetUtcNow();
        _buffer[record.Id] = record;
    }

    // The publish acknowledges the preferences in their stream too, whoever holds their leases now.
    private async Task<long> PublishAsync(CancellationToken cancellationToken)
    {
        var version = await _work.PublishAsync(_backbone.Snapshots, [.. _pendingOrder], _preferences.Name, cancellationToken).ConfigureAwait(false);
        _pending.Clear();
        _pendingOrder.Clear();
        return version;
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
}
