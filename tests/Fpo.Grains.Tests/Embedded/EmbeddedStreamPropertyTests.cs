using FsCheck;
using FsCheck.Fluent;
using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>
/// Any interleaving of publish, lease, acknowledge, fail, extend, clock moves and reopenings keeps every published id in
/// exactly one state, and draining the stream at the end accounts for all of them: none is lost or acknowledged twice.
/// </summary>
public sealed class EmbeddedStreamPropertyTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(10);
    private static readonly StreamSettings Settings = new() { MaxDeliveries = 3 };

    private static readonly Arbitrary<(int Op, int Arg)[]> Scripts =
        Gen.Choose(0, 6).SelectMany(op => Gen.Choose(0, 7).Select(arg => (op, arg))).ArrayOf().Resize(40).ToArbitrary();

    [Fact]
    public void NoInterleavingLosesOrDuplicatesAnId() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100).WithQuietOnSuccess(true), Prop.ForAll(Scripts, script =>
        {
            var folder = Directory.CreateTempSubdirectory("fpo-backbone-prop-").FullName;
            try
            {
                Run(folder, script).GetAwaiter().GetResult();
                return true;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }));

    private static async Task Run(string folder, (int Op, int Arg)[] script)
    {
        var ct = CancellationToken.None;
        var clock = new ManualClock();
        var backbone = EmbeddedBackbone.Open(folder, clock);
        var stream = backbone.Stream("s", TextCodec.Instance, Settings);
        var published = new HashSet<string>();
        var acknowledged = new HashSet<string>();
        var held = new List<Leased<string>>();
        foreach (var (op, arg) in script)
        {
            switch (op)
            {
                case 0:
                    await stream.PublishAsync([new StreamItem<string>($"id{arg}", $"v{arg}")], ct);
                    published.Add($"id{arg}");
                    break;
                case 1:
                    held.AddRange(await stream.LeaseAsync(arg + 1, Visibility, TimeSpan.Zero, ct));
                    break;
                case 2 when held.Count > 0:
                    foreach (var id in await stream.AcknowledgeAsync([held[arg % held.Count]], ct))
                        Assert.True(acknowledged.Add(id), $"{id} acknowledged twice");
                    held.RemoveAt(arg % held.Count);
                    break;
                case 3 when held.Count > 0:
                    await stream.FailAsync(held[arg % held.Count], "failed", ct);
                    held.RemoveAt(arg % held.Count);
                    break;
                case 4:
                    await stream.ExtendAsync(held, Visibility, ct);
                    break;
                case 5:
                    clock.Advance(Visibility * arg / 4);
                    break;
                case 6 when arg == 0:
                    backbone = EmbeddedBackbone.Open(folder, clock);
                    stream = backbone.Stream("s", TextCodec.Instance, Settings);
                    held.Clear();
                    break;
            }
            var counts = await stream.CountsAsync(ct);
            Assert.Equal(published.Count, counts.Published);
            Assert.Equal(acknowledged.Count, counts.Acknowledged);
        }
        clock.Advance(Visibility);
        while (await stream.LeaseAsync(100, Visibility, TimeSpan.Zero, ct) is { Count: > 0 } rest)
            foreach (var id in await stream.AcknowledgeAsync(rest, ct))
                Assert.True(acknowledged.Add(id), $"{id} acknowledged twice");
        var dead = (await stream.DeadLettersAsync(ct)).Select(d => d.Id).ToHashSet();
        Assert.Empty(acknowledged.Intersect(dead));
        Assert.Equal(published.Order(), acknowledged.Union(dead).Order());
        await backbone.DisposeAsync();
    }
}
