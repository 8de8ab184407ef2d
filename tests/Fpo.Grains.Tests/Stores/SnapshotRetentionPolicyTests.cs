using Fpo.Grains.Stores;

namespace Fpo.Grains.Tests.Stores;

/// <summary>Which snapshots the retention policy lets go: never version 0, the newest, the every-K-th, a pinned one, or a base a kept delta needs.</summary>
public sealed class SnapshotRetentionPolicyTests
{
    // Versions 0..14, full every 5 and each other one a delta of its predecessor (as the blob store writes them).
    private static Dictionary<long, long?> DeltaChain() => Enumerable.Range(0, 15).ToDictionary(v => (long)v, v => v % 5 == 0 ? null : (long?)(v - 1));

    [Fact]
    public void A_kept_delta_keeps_its_chain_down_to_the_full_snapshot()
    {
        var remove = new SnapshotRetentionPolicy(KeepNewest: 2, KeepEvery: 5).Plan(DeltaChain(), pinned: [7]);
        // Kept: 0, 5, 10 (every 5th), 13, 14 (newest) and their chain 11, 12; pinned 7 and its chain 6.
        Assert.Equal([1L, 2, 3, 4, 8, 9], remove);
    }

    [Fact]
    public void Disabled_or_empty_removes_nothing_and_pins_outside_the_store_are_ignored()
    {
        Assert.Empty(SnapshotRetentionPolicy.KeepAll.Plan(DeltaChain(), []));
        Assert.Empty(new SnapshotRetentionPolicy(1, 0).Plan(new Dictionary<long, long?>(), [3]));
        var full = Enumerable.Range(0, 6).ToDictionary(v => (long)v, _ => (long?)null);
        Assert.Equal([1L, 2, 3, 4], new SnapshotRetentionPolicy(1, 0).Plan(full, [99]));
    }

    [Fact]
    public void Negative_settings_are_refused_naming_the_value()
    {
        Assert.Contains("-1", Assert.Throws<ArgumentException>(() => new SnapshotRetentionPolicy(-1, 0).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("-2", Assert.Throws<ArgumentException>(() => new SnapshotRetentionPolicy(1, -2).Validate()).Message, StringComparison.Ordinal);
    }
}
