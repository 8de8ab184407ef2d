using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Fpo.Grains.Backbone;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Tests.Throwaway;

// Throwaway stand-in for the embedded backbone until branch backbone-embedded lands; deleted after the merge.
internal sealed class MemoryBackbone(TimeProvider? time = null) : IBackbone
{
    private readonly ConcurrentDictionary<string, object> _streams = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly MemorySnapshots _snapshots = new();
    private readonly MemoryStats _stats = new();

    public string RunId => "memory";
    public ISnapshotStore Snapshots => _snapshots;
    public ILineageLog Lineage => _snapshots;
    public IFeatureStatsStore FeatureStats => _stats;

    public IStream<T> Stream<T>(string name, IRecordCodec<T> codec, StreamSettings? settings = null) =>
        (IStream<T>)_streams.GetOrAdd(name, _ => new MemoryStream<T>(name, settings ?? new StreamSettings(), _time));

    public async Task<IReadOnlyList<string>> ForwardAsync<TIn, TOut>(IStream<TIn> from, IReadOnlyList<Leased<TIn>> consumed, IStream<TOut> to,
        IReadOnlyList<StreamItem<TOut>> produced, CancellationToken cancellationToken)
    {
        await to.PublishAsync(produced, cancellationToken);
        return await from.AcknowledgeAsync(consumed, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Entry<T>(string id, T value)
    {
        public string Id = id;
        public T Value = value;
        public int State;  // 0 pending 1 leased 2 acked 3 dead
        public int Deliveries;
        public long Token;
        public DateTimeOffset Deadline;
    }

    private sealed class MemoryStream<T>(string name, StreamSettings settings, TimeProvider time) : IStream<T>
    {
        private readonly List<Entry<T>> _entries = [];
        private readonly Dictionary<string, Entry<T>> _byId = [];
        private readonly List<DeadLetter<T>> _dead = [];
        private long _token;

        public string Name => name;

        public Task<int> PublishAsync(IReadOnlyList<StreamItem<T>> items, CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                var n = 0;
                foreach (var item in items)
                {
                    if (_byId.ContainsKey(item.Id)) continue;
                    var e = new Entry<T>(item.Id, item.Value);
                    _entries.Add(e);
                    _byId[item.Id] = e;
                    n++;
                }
                return Task.FromResult(n);
            }
        }

        public async Task<IReadOnlyList<Leased<T>>> LeaseAsync(int maxCount, TimeSpan visibility, TimeSpan wait, CancellationToken cancellationToken)
        {
            var until = DateTime.UtcNow + wait;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var got = TryLease(maxCount, visibility);
                if (got.Count > 0 || DateTime.UtcNow >= until) return got;
                await Task.Delay(10, cancellationToken);
            }
        }

        private List<Leased<T>> TryLease(int maxCount, TimeSpan visibility)
        {
            lock (_entries)
            {
                var now = time.GetUtcNow();
                var result = new List<Leased<T>>();
                foreach (var e in _entries)
                {
                    if (result.Count >= maxCount) break;
                    if (e.State == 1 && e.Deadline <= now)
                    {
                        if (e.Deliveries >= settings.MaxDeliveries) { Die(e, "lease expired"); continue; }
                        e.State = 0;
                    }
                    if (e.State != 0) continue;
                    e.State = 1;
                    e.Deliveries++;
                    e.Token = ++_token;
                    e.Deadline = now + visibility;
                    result.Add(new Leased<T>(e.Id, e.Value, e.Deliveries, e.Token, e.Deadline));
                }
                return result;
            }
        }

        private void Die(Entry<T> e, string error)
        {
            e.State = 3;
            _dead.Add(new DeadLetter<T>(e.Id, e.Value, e.Deliveries, error, time.GetUtcNow()));
        }

        private bool Held(Leased<T> r, out Entry<T> e) =>
            _byId.TryGetValue(r.Id, out e!) && e.State == 1 && e.Token == r.LeaseToken && e.Deadline > time.GetUtcNow();

        public Task<IReadOnlyList<string>> AcknowledgeAsync(IReadOnlyList<Leased<T>> records, CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                var ids = new List<string>();
                foreach (var r in records)
                    if (Held(r, out var e)) { e.State = 2; ids.Add(r.Id); }
                return Task.FromResult<IReadOnlyList<string>>(ids);
            }
        }

        public Task<IReadOnlyList<string>> ExtendAsync(IReadOnlyList<Leased<T>> records, TimeSpan visibility, CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                var ids = new List<string>();
                foreach (var r in records)
                    if (Held(r, out var e)) { e.Deadline = time.GetUtcNow() + visibility; ids.Add(r.Id); }
                return Task.FromResult<IReadOnlyList<string>>(ids);
            }
        }

        public Task FailAsync(Leased<T> record, string error, CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                if (Held(record, out var e))
                {
                    if (e.Deliveries >= settings.MaxDeliveries) Die(e, error);
                    else e.State = 0;
                }
                return Task.CompletedTask;
            }
        }

        public Task<StreamCounts> CountsAsync(CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                var now = time.GetUtcNow();
                long p = 0, l = 0, a = 0, d = 0;
                foreach (var e in _entries)
                {
                    if (e.State == 0 || (e.State == 1 && e.Deadline <= now)) p++;
                    else if (e.State == 1) l++;
                    else if (e.State == 2) a++;
                    else d++;
                }
                return Task.FromResult(new StreamCounts(p, l, a, d));
            }
        }

        public Task<IReadOnlyList<DeadLetter<T>>> DeadLettersAsync(CancellationToken cancellationToken)
        {
            lock (_entries) return Task.FromResult<IReadOnlyList<DeadLetter<T>>>([.. _dead]);
        }
    }

    private sealed class MemorySnapshots : ISnapshotStore, ILineageLog
    {
        private readonly List<(SnapshotInfo Info, Dictionary<string, byte[]> Files, IReadOnlyList<string> Ids)> _list = [];
        private readonly Dictionary<string, long> _lineage = [];
        private readonly Dictionary<string, DroppedPreference> _dropped = [];

        public Task<SnapshotInfo> PublishAsync(SnapshotPublication p, CancellationToken cancellationToken)
        {
            lock (_list)
            {
                if (p.Version != _list.Count) throw new SnapshotConflictException($"version {p.Version} is not latest + 1");
                foreach (var id in p.PreferenceIds) if (_lineage.ContainsKey(id)) throw new SnapshotConflictException($"{id} already in a snapshot");
                var files = p.Files.ToDictionary(kv => kv.Key, kv => kv.Value);
                var info = new SnapshotInfo(p.Version, SnapshotContent.ComputeSha256(files), files.Values.Sum(f => (long)f.Length), DateTimeOffset.UtcNow,
                    p.TrainerStep, p.PreferenceIds.Count, p.Metadata);
                _list.Add((info, files, p.PreferenceIds));
                foreach (var id in p.PreferenceIds) _lineage[id] = p.Version;
                return Task.FromResult(info);
            }
        }

        public Task<SnapshotInfo?> LatestAsync(CancellationToken cancellationToken)
        {
            lock (_list) return Task.FromResult(_list.Count == 0 ? null : _list[^1].Info);
        }

        public Task<IReadOnlyList<SnapshotInfo>> ListAsync(CancellationToken cancellationToken)
        {
            lock (_list) return Task.FromResult<IReadOnlyList<SnapshotInfo>>([.. _list.Select(s => s.Info)]);
        }

        public Task<SnapshotContent> GetAsync(long version, CancellationToken cancellationToken)
        {
            lock (_list)
            {
                if (version < 0 || version >= _list.Count) throw new KeyNotFoundException($"snapshot {version}");
                return Task.FromResult(new SnapshotContent(_list[(int)version].Info, _list[(int)version].Files));
            }
        }

        public async IAsyncEnumerable<SnapshotInfo> WatchAsync(long afterVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (true)
            {
                SnapshotInfo? next;
                lock (_list) next = afterVersion + 1 < _list.Count ? _list[(int)afterVersion + 1].Info : null;
                if (next is null) { await Task.Delay(20, cancellationToken); continue; }
                afterVersion++;
                yield return next;
            }
        }

        public Task<long?> SnapshotOfAsync(string preferenceId, CancellationToken cancellationToken)
        {
            lock (_list) return Task.FromResult(_lineage.TryGetValue(preferenceId, out var v) ? v : (long?)null);
        }

        public Task<IReadOnlyList<string>> PreferencesInAsync(long version, CancellationToken cancellationToken)
        {
            lock (_list) return Task.FromResult(_list[(int)version].Ids);
        }

        public Task RecordDroppedAsync(string preferenceId, string reason, CancellationToken cancellationToken)
        {
            lock (_list) _dropped.TryAdd(preferenceId, new DroppedPreference(preferenceId, reason, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<DroppedPreference>> DroppedAsync(CancellationToken cancellationToken)
        {
            lock (_list) return Task.FromResult<IReadOnlyList<DroppedPreference>>([.. _dropped.Values]);
        }
    }

    private sealed class MemoryStats : IFeatureStatsStore
    {
        private readonly Dictionary<FeatureStatsKey, FeatureStatistics> _stats = [];
        private readonly HashSet<(FeatureStatsKey, string)> _seen = [];

        public Task<bool> MergeAsync(FeatureStatsKey key, string deltaId, FeatureStatistics delta, CancellationToken cancellationToken)
        {
            lock (_stats)
            {
                if (!_seen.Add((key, deltaId))) return Task.FromResult(false);
                if (_stats.TryGetValue(key, out var s)) s.MergeFrom(delta);
                else _stats[key] = FeatureStatistics.Merge(delta.Empty(), delta);
                return Task.FromResult(true);
            }
        }

        public Task<FeatureStatistics?> GetAsync(FeatureStatsKey key, CancellationToken cancellationToken)
        {
            lock (_stats) return Task.FromResult(_stats.GetValueOrDefault(key));
        }

        public Task<IReadOnlyList<FeatureStatsKey>> KeysAsync(CancellationToken cancellationToken)
        {
            lock (_stats) return Task.FromResult<IReadOnlyList<FeatureStatsKey>>([.. _stats.Keys.OrderBy(k => k.SnapshotVersion).ThenBy(k => k.Side)]);
        }
    }
}
