namespace Fpo.Grains.Tests.Embedded;

/// <summary>A wall clock the test moves; timers and elapsed-time measurements stay on real time.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
