using Fpo.Grains.Stores;

namespace Fpo.Grains.Tests.Stores;

/// <summary>The lineage invariants that no store lets a caller break (the stores refuse them), checked on lists made by hand.</summary>
public sealed class LineageCheckTests
{
    [Fact]
    public void ATrainedTwicePreferenceAndAVersionGapAreNamedAndLongListsAreCapped()
    {
        var snapshots = new List<(long, IReadOnlyList<string>)> { (0, []), (1, ["a", "b"]), (3, ["a"]) };
        var report = LineageVerification.Check(snapshots, [], ["a", "b"]);
        Assert.Equal(
            [
                "snapshot versions have a gap: 1 is followed by 3",
                "preference 'a' is in snapshot 1 and again in snapshot 3: it was trained twice",
            ], report.Violations);
        var stray = Enumerable.Range(0, LineageVerification.MaxLinesPerKind + 5).Select(i => $"s{i:D3}").ToList();
        var capped = LineageVerification.Check([(0, stray)], [], []);
        Assert.Equal(LineageVerification.MaxLinesPerKind + 1, capped.Violations.Count);
        Assert.Equal("… and 5 more like it", capped.Violations[^1]);
    }

    [Fact]
    public void LabelsInNoSnapshotAndNotDroppedAwaitTraining()
    {
        var report = LineageVerification.Check([(0, []), (1, ["a"])], ["b"], ["a", "b", "c", "c"]);
        Assert.True(report.Holds);
        Assert.Equal(new LineageReport(2, 1, 3, 1, 1, 1, []), report with { Violations = [] });
    }
}
