using System.Text.Json;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Embedded;

namespace Fpo.Grains.Tests.Embedded;

/// <summary>
/// What the embedded backbone keeps across a restart beyond the contract: the journal (with a torn last line repaired),
/// a snapshot's consumed preferences acknowledged even when the process stopped before it could, and claims that end
/// with the backbone.
/// </summary>
public sealed class EmbeddedJournalAndConsumptionTests : RunFolder
{
    [Fact]
    public async Task TheJournalIsReplayedOnOpenAndATornLastLineIsDropped()
    {
        await using (var backbone = EmbeddedBackbone.Open(Folder))
        {
            Assert.True(await backbone.Journal.AppendAsync("trainer-step", "1", "{\"step\":1}", Ct));
            Assert.True(await backbone.Journal.AppendAsync("trainer-step", "2", "{\"step\":2}", Ct));
        }
        await File.AppendAllTextAsync(Path.Combine(Folder, "journal.jsonl"), "{\"sequence\":3,\"kind\":\"trainer-st", Ct);
        await using var reopened = EmbeddedBackbone.Open(Folder);
        Assert.Contains(reopened.Warnings, w => w.Contains("journal.jsonl: line 3", StringComparison.Ordinal));
        Assert.False(await reopened.Journal.AppendAsync("trainer-step", "2", "{}", Ct));
        Assert.True(await reopened.Journal.AppendAsync("trainer-step", "3", "{\"step\":3}", Ct));
        var entries = await reopened.Journal.ReadAsync("trainer-step", 0, 10, Ct);
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
        Assert.Equal("{\"step\":2}", entries[1].Json);
    }

    [Fact]
    public async Task ASnapshotsPreferencesAreAcknowledgedWhenTheirStreamOpensAfterACrash()
    {
        await using (var producer = EmbeddedBackbone.Open(Folder))
            await producer.Stream(StreamNames.Preferences, TextCodec.Instance).PublishAsync([new("p1", "a"), new("p2", "b"), new("p3", "c")], Ct);
        // The trainer's process published the snapshot but stopped before its stream was touched again.
        await using (var trainer = EmbeddedBackbone.Open(Folder))
        {
            await trainer.Snapshots.PublishAsync(new SnapshotPublication(0, new Dictionary<string, byte[]> { ["w"] = [0] }, [], 0), Ct);
            await trainer.Snapshots.PublishAsync(new SnapshotPublication(1, new Dictionary<string, byte[]> { ["w"] = [1] }, ["p1", "p3"], 1, "{}", StreamNames.Preferences), Ct);
            Assert.True((await trainer.Lineage.VerifyAsync(Ct)).Holds == false, "the stream's log still has p1 and p3 pending");
        }
        await using var resumed = EmbeddedBackbone.Open(Folder);
        var preferences = resumed.Stream(StreamNames.Preferences, TextCodec.Instance);
        Assert.Equal(new StreamCounts(1, 0, 2, 0), await preferences.CountsAsync(Ct));
        Assert.Equal(["p2"], (await preferences.LeaseAsync(10, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct)).Select(l => l.Id));
        Assert.True((await resumed.Lineage.VerifyAsync(Ct)).Holds);
    }

    [Fact]
    public async Task ADeadLetteredPreferenceThatASnapshotHoldsIsAcknowledgedAndStaysSoAfterReopening()
    {
        await using (var backbone = EmbeddedBackbone.Open(Folder))
        {
            var preferences = backbone.Stream(StreamNames.Preferences, TextCodec.Instance, new StreamSettings { MaxDeliveries = 1 });
            await preferences.PublishAsync([new("p1", "a")], Ct);
            var leased = await preferences.LeaseAsync(1, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct);
            await preferences.FailAsync(leased[0], "the trainer's lease ran out", Ct);
            Assert.Equal(new StreamCounts(0, 0, 0, 1), await preferences.CountsAsync(Ct));
            await backbone.Snapshots.PublishAsync(new SnapshotPublication(0, new Dictionary<string, byte[]> { ["w"] = [0] }, ["p1"], 0, "{}", StreamNames.Preferences), Ct);
            Assert.Equal(new StreamCounts(0, 0, 1, 0), await preferences.CountsAsync(Ct));
        }
        await using var reopened = EmbeddedBackbone.Open(Folder);
        Assert.Equal(new StreamCounts(0, 0, 1, 0), await reopened.Stream(StreamNames.Preferences, TextCodec.Instance).CountsAsync(Ct));
        Assert.Empty(await reopened.Stream<string>(StreamNames.Preferences, TextCodec.Instance).DeadLettersAsync(Ct));
    }

    [Fact]
    public async Task AClaimIsLostWhenItsBackboneCloses()
    {
        var backbone = EmbeddedBackbone.Open(Folder);
        var claim = await backbone.TryLeadAsync("trainer", Ct);
        Assert.NotNull(claim);
        await backbone.DisposeAsync();
        Assert.True(claim.Lost.IsCancellationRequested);
    }

    [Fact]
    public void AnEvaluationWithoutDecidedComparisonsIsJournaledWithANaNWinRate()
    {
        var evaluation = new SnapshotEvaluation(3, 30, 4, 0, 0, 4, 0, null, null, 0.01, 0.2, null, 5, 5, DateTimeOffset.UnixEpoch);
        var json = JsonSerializer.Serialize(evaluation, JournalKinds.Json);
        Assert.Contains("\"winRate\":\"NaN\"", json, StringComparison.Ordinal);
        Assert.Equal(evaluation, JsonSerializer.Deserialize<SnapshotEvaluation>(json, JournalKinds.Json));
    }
}
