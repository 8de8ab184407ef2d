using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>Reopening a run folder after a crash: the stream log restores every record's state, or says precisely why it cannot.</summary>
public sealed class EmbeddedStreamRecoveryTests : RunFolder
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);
    private static readonly StreamSettings TwoDeliveries = new() { MaxDeliveries = 2 };
    private readonly ManualClock _clock = new();

    private string LogPath => Path.Combine(Folder, "streams", "pairs.jsonl");

    private IStream<string> Stream(EmbeddedBackbone backbone) => backbone.Stream("pairs", TextCodec.Instance, TwoDeliveries);

    private static StreamItem<string>[] Items(params string[] ids) => [.. ids.Select(id => new StreamItem<string>(id, "value of " + id))];

    /// <summary>a acknowledged; b failed twice (dead); c leased twice at the crash (last delivery); d leased once; e pending.</summary>
    private async Task CrashWithEveryStateAsync()
    {
        var crashed = EmbeddedBackbone.Open(Folder, _clock);
        var stream = Stream(crashed);
        await stream.PublishAsync(Items("a", "b", "c"), Ct);
        var first = await stream.LeaseAsync(10, Visibility, TimeSpan.Zero, Ct);
        await stream.AcknowledgeAsync([first[0]], Ct);
        await stream.FailAsync(first[1], "boom 1", Ct);
        _clock.Advance(Visibility);
        var second = await stream.LeaseAsync(10, Visibility, TimeSpan.Zero, Ct);
        Assert.Equal(["b", "c"], second.Select(l => l.Id));
        await stream.FailAsync(second[0], "boom 2", Ct);
        await stream.PublishAsync(Items("d", "e"), Ct);
        Assert.Equal("d", Assert.Single(await stream.LeaseAsync(1, Visibility, TimeSpan.Zero, Ct)).Id);
        // The crash: the instance is dropped without disposing, its leases held.
    }

    [Fact]
    public async Task ReopeningAfterACrashRestoresAcknowledgedDeadAndPendingRecords()
    {
        await CrashWithEveryStateAsync();
        await using (var reopened = EmbeddedBackbone.Open(Folder, _clock))
        {
            var stream = Stream(reopened);
            Assert.Empty(reopened.Warnings);
            Assert.Equal(new StreamCounts(2, 0, 1, 2), await stream.CountsAsync(Ct));
            var dead = await stream.DeadLettersAsync(Ct);
            Assert.Equal([("b", 2, "boom 2"), ("c", 2, "lease abandoned when the run stopped, on delivery 2 of 2")], dead.Select(d => (d.Id, d.Deliveries, d.Error)));
            var leased = await stream.LeaseAsync(10, Visibility, TimeSpan.Zero, Ct);
            Assert.Equal([("d", 2), ("e", 1)], leased.Select(l => (l.Id, l.DeliveryCount)));
            Assert.Equal("value of e", leased[1].Value);
            Assert.Equal(["d", "e"], await stream.AcknowledgeAsync(leased, Ct));
            Assert.Equal(0, await stream.PublishAsync(Items("a", "b", "c", "d", "e"), Ct));
        }
        await using var again = EmbeddedBackbone.Open(Folder, _clock);
        Assert.Equal(new StreamCounts(0, 0, 3, 2), await Stream(again).CountsAsync(Ct));
    }

    [Fact]
    public async Task ATornLastLineIsDroppedWithAWarningAndTheLogStaysAppendable()
    {
        await CrashWithEveryStateAsync();
        await File.AppendAllTextAsync(LogPath, "{\"op\":\"ack\",\"id\":\"e", Ct);
        await using (var reopened = EmbeddedBackbone.Open(Folder, _clock))
        {
            var stream = Stream(reopened);
            var warning = Assert.Single(reopened.Warnings);
            Assert.StartsWith("streams/pairs.jsonl: line ", warning, StringComparison.Ordinal);
            Assert.Contains("torn last line", warning, StringComparison.Ordinal);
            Assert.Equal(new StreamCounts(2, 0, 1, 2), await stream.CountsAsync(Ct));
            Assert.Equal(1, await stream.PublishAsync(Items("f"), Ct));
        }
        await using var again = EmbeddedBackbone.Open(Folder, _clock);
        Assert.Equal(new StreamCounts(3, 0, 1, 2), await Stream(again).CountsAsync(Ct));
        Assert.Empty(again.Warnings);
    }

    [Fact]
    public async Task ACorruptLineBeforeTheEndIsAnErrorNamingFileAndLine()
    {
        await CrashWithEveryStateAsync();
        var lines = (await File.ReadAllLinesAsync(LogPath, Ct)).ToList();
        lines.Insert(2, "{\"op\":\"ack\",\"id\":");
        await File.WriteAllLinesAsync(LogPath, lines, Ct);
        await using var reopened = EmbeddedBackbone.Open(Folder, _clock);
        var error = Assert.Throws<InvalidDataException>(() => Stream(reopened));
        Assert.StartsWith("streams/pairs.jsonl: line 3: not a JSON event", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"op\":\"ack\",\"id\":\"zz\"}", "line 4: \"ack\" of 'zz', which was never published")]
    [InlineData("{\"op\":\"publish\",\"id\":\"x\",\"value\":\"!bad\"}", "line 4: the value of 'x' does not decode: '!bad' is not a value")]
    [InlineData("{\"op\":\"wiggle\",\"id\":\"a\"}", "line 4: unknown op \"wiggle\"")]
    [InlineData("{\"op\":\"lease\",\"id\":\"a\"}", "line 4: \"lease\" of 'a', which is already acknowledged")]
    public async Task EventsThatCannotHappenAreErrorsNamingTheLine(string line, string expected)
    {
        await using (var backbone = EmbeddedBackbone.Open(Folder, _clock))
        {
            var stream = Stream(backbone);
            await stream.PublishAsync(Items("a"), Ct);
            await stream.AcknowledgeAsync(await stream.LeaseAsync(1, Visibility, TimeSpan.Zero, Ct), Ct);
        }
        await File.AppendAllTextAsync(LogPath, line + "\n", Ct);
        await using var reopened = EmbeddedBackbone.Open(Folder, _clock);
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Stream(reopened)).Message, StringComparison.Ordinal);
    }
}
