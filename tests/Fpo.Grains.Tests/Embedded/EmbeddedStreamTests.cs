using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Publish, lease, acknowledge, extend and fail on one stream, with a clock the test moves for lease expiry.</summary>
public sealed class EmbeddedStreamTests : RunFolder
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);
    private readonly ManualClock _clock = new();

    private IStream<string> Open(EmbeddedBackbone backbone, int maxDeliveries = 5) =>
        backbone.Stream("pairs", TextCodec.Instance, new StreamSettings { MaxDeliveries = maxDeliveries });

    private static StreamItem<string>[] Items(params string[] ids) => [.. ids.Select(id => new StreamItem<string>(id, "value of " + id))];

    private Task<IReadOnlyList<Leased<string>>> Lease(IStream<string> stream, int max = 10) => stream.LeaseAsync(max, Visibility, TimeSpan.Zero, Ct);

    [Fact]
    public async Task PublishingAnIdSeenBeforeChangesNothing()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Open(backbone);
        Assert.Equal(2, await stream.PublishAsync(Items("a", "b"), Ct));
        Assert.Equal(1, await stream.PublishAsync(Items("b", "c", "c"), Ct));
        var leased = await Lease(stream);
        Assert.Equal(["a", "b", "c"], leased.Select(l => l.Id));
        Assert.Equal("value of a", leased[0].Value);
        await stream.AcknowledgeAsync(leased, Ct);
        Assert.Equal(0, await stream.PublishAsync(Items("a", "b", "c"), Ct));
        Assert.Equal(new StreamCounts(0, 0, 3, 0), await stream.CountsAsync(Ct));
        Assert.Same(stream, Open(backbone));
    }

    [Fact]
    public async Task ALeaseHidesRecordsUntilItExpiresThenTheOldHoldersAcknowledgementIsSkipped()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Open(backbone);
        await stream.PublishAsync(Items("a", "b", "c"), Ct);
        var first = await Lease(stream, 2);
        Assert.Equal(["a", "b"], first.Select(l => l.Id));
        Assert.All(first, l => Assert.Equal(1, l.DeliveryCount));
        Assert.Equal(["c"], (await Lease(stream)).Select(l => l.Id));
        Assert.Empty(await Lease(stream));
        Assert.Equal(new StreamCounts(0, 3, 0, 0), await stream.CountsAsync(Ct));

        _clock.Advance(Visibility);
        var again = await Lease(stream);
        Assert.Equal(["a", "b", "c"], again.Select(l => l.Id));
        Assert.All(again, l => Assert.Equal(2, l.DeliveryCount));
        Assert.Empty(await stream.AcknowledgeAsync(first, Ct));
        Assert.Equal(["a", "b", "c"], await stream.AcknowledgeAsync(again, Ct));
        Assert.Equal(new StreamCounts(0, 0, 3, 0), await stream.CountsAsync(Ct));
    }

    [Fact]
    public async Task AnExpiredLeaseNobodyTookAgainCanStillBeAcknowledged()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Open(backbone);
        await stream.PublishAsync(Items("a"), Ct);
        var leased = await Lease(stream);
        _clock.Advance(Visibility * 2);
        Assert.Equal(new StreamCounts(1, 0, 0, 0), await stream.CountsAsync(Ct));
        Assert.Equal(["a"], await stream.AcknowledgeAsync(leased, Ct));
        Assert.Empty(await Lease(stream));
        Assert.Equal(new StreamCounts(0, 0, 1, 0), await stream.CountsAsync(Ct));
    }

    [Fact]
    public async Task ExtendKeepsARecordHiddenPastItsFirstDeadline()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Open(backbone);
        await stream.PublishAsync(Items("a", "b"), Ct);
        var leased = await Lease(stream);
        _clock.Advance(Visibility / 2);
        Assert.Equal(["a"], await stream.ExtendAsync([leased[0]], Visibility, Ct));
        _clock.Advance(Visibility * 3 / 4);
        Assert.Equal(["b"], (await Lease(stream)).Select(l => l.Id));
        Assert.Empty(await stream.ExtendAsync([leased[1]], Visibility, Ct));
        Assert.Equal(["a"], await stream.AcknowledgeAsync([leased[0]], Ct));
    }

    [Fact]
    public async Task FailingMakesARecordPendingAndTheLastFailureDeadLettersItWithTheError()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Open(backbone, maxDeliveries: 3);
        await stream.PublishAsync(Items("a"), Ct);
        for (var delivery = 1; delivery <= 3; delivery++)
        {
            var leased = Assert.Single(await Lease(stream));
            Assert.Equal(delivery, leased.DeliveryCount);
            await stream.FailAsync(leased, $"judge timed out ({delivery})", Ct);
            Assert.Empty(await stream.AcknowledgeAsync([leased], Ct));
        }
        Assert.Empty(await Lease(stream));
        Assert.Equal(new StreamCounts(0, 0, 0, 1), await stream.CountsAsync(Ct));
        var dead = Assert.Single(await stream.DeadLettersAsync(Ct));
        Assert.Equal(("a", "value of a", 3, "judge timed out (3)"), (dead.Id, dead.Value, dead.Deliveries, dead.Error));
        Assert.Equal(_clock.GetUtcNow(), dead.DiedAt);
    }

    [Fact]
    public async Task TheLastExpiryDeadLettersARecord()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Open(backbone, maxDeliveries: 2);
        await stream.PublishAsync(Items("a"), Ct);
        Assert.Single(await Lease(stream));
        _clock.Advance(Visibility);
        var second = Assert.Single(await Lease(stream));
        _clock.Advance(Visibility);
        Assert.Empty(await Lease(stream));
        Assert.Empty(await stream.AcknowledgeAsync([second], Ct));
        var dead = Assert.Single(await stream.DeadLettersAsync(Ct));
        Assert.Equal(2, dead.Deliveries);
        Assert.Contains("lease expired", dead.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALeaseWaitsForAPublishFromAnotherTaskAndHonoursCancellation()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder);
        var stream = Open(backbone);
        var waiting = stream.LeaseAsync(5, Visibility, TimeSpan.FromSeconds(30), Ct);
        await Task.Delay(50, Ct);
        Assert.False(waiting.IsCompleted);
        await stream.PublishAsync(Items("a"), Ct);
        Assert.Equal("a", Assert.Single(await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Id);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.LeaseAsync(5, Visibility, TimeSpan.FromSeconds(30), cancel.Token));
        Assert.Empty(await stream.LeaseAsync(5, Visibility, TimeSpan.FromMilliseconds(20), Ct));
    }

    [Fact]
    public async Task AWaitingLeaseWakesWhenAnotherLeaseExpires()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder);
        var stream = Open(backbone);
        await stream.PublishAsync(Items("a"), Ct);
        Assert.Single(await stream.LeaseAsync(1, TimeSpan.FromMilliseconds(100), TimeSpan.Zero, Ct));
        var again = await stream.LeaseAsync(1, Visibility, TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(2, Assert.Single(again).DeliveryCount);
    }

    [Fact]
    public async Task StreamNamesMustBeSafeFileNames()
    {
        await using var backbone = EmbeddedBackbone.Open(Folder, _clock);
        foreach (var bad in new[] { "", "../x", "a/b", ".hidden", "a b", new string('x', 65) })
            Assert.Contains("is not allowed", Assert.Throws<ArgumentException>(() => backbone.Stream(bad, TextCodec.Instance)).Message, StringComparison.Ordinal);
        Assert.Equal("judge-requests_v2.1", backbone.Stream("judge-requests_v2.1", TextCodec.Instance).Name);
        Assert.Throws<InvalidOperationException>(() => backbone.Stream("judge-requests_v2.1", new IntCodec()));
    }

    private sealed class IntCodec : IRecordCodec<int>
    {
        public string Encode(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public int Decode(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
}
