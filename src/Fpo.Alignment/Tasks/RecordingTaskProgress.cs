using System.Diagnostics;

namespace Fpo.Alignment.Tasks;

/// <summary>Remembers every stage's outcome, wall time, advances and last detail (for tests and benchmarks).</summary>
public sealed class RecordingTaskProgress : ITaskProgress
{
    private readonly Stopwatch _watch = new();
    private readonly List<StageRecord> _stages = [];
    private StageRecord? _current;

    public IReadOnlyList<StageRecord> Stages => _stages;

    public void BeginStage(string stage, long total)
    {
        _current = new StageRecord(stage, Reused: false) { Total = total };
        _stages.Add(_current);
        _watch.Restart();
    }

    public void Advance(long amount, string detail)
    {
        if (_current is null) throw new InvalidOperationException($"Advance({amount}, \"{detail}\") outside a stage");
        _current.Done += amount;
        _current.LastDetail = detail;
    }

    public void EndStage(string stage)
    {
        if (_current?.Stage != stage) throw new InvalidOperationException($"EndStage(\"{stage}\") but the current stage is \"{_current?.Stage}\"");
        _current.Elapsed = _watch.Elapsed;
        _current = null;
    }

    public void StageReused(string stage, string folder) => _stages.Add(new StageRecord(stage, Reused: true) { Folder = folder });

    public sealed record StageRecord(string Stage, bool Reused)
    {
        public long Total { get; set; }
        public long Done { get; set; }
        public string? LastDetail { get; set; }
        public TimeSpan Elapsed { get; set; }
        public string? Folder { get; set; }
    }
}
