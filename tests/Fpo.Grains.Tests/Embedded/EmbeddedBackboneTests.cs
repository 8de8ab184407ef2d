using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>The backbone as a whole: its run id and one forwarding step between two streams.</summary>
public sealed class EmbeddedBackboneTests : RunFolder
{
    [Fact]
    public async Task ForwardPublishesTheOutputAndAcknowledgesTheInputAndARetryChangesNothing()
    {
        var clock = new ManualClock();
        await using var backbone = EmbeddedBackbone.Open(Folder, clock);
        Assert.Equal(Path.GetFileName(Folder), backbone.RunId);
        var pairs = backbone.Stream("pairs", TextCodec.Instance);
        var judged = backbone.Stream("judged", TextCodec.Instance);
        await pairs.PublishAsync([new StreamItem<string>("p1", "a|b")], Ct);
        var leased = await pairs.LeaseAsync(1, TimeSpan.FromSeconds(5), TimeSpan.Zero, Ct);
        StreamItem<string>[] produced = [new("p1", "a>b")];
        Assert.Equal(["p1"], await backbone.ForwardAsync(pairs, leased, judged, produced, Ct));
        Assert.Empty(await backbone.ForwardAsync(pairs, leased, judged, produced, Ct));
        Assert.Equal(new StreamCounts(0, 0, 1, 0), await pairs.CountsAsync(Ct));
        Assert.Equal(new StreamCounts(1, 0, 0, 0), await judged.CountsAsync(Ct));
    }
}
