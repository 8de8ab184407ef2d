using System.Text.Json;
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
        await using (var stores = EmbeddedRunStores.Open(Folder))
        {
            Assert.True(await stores.Journal.AppendAsync("trainer-step", "1", "{\"step\":1}", Ct));
            Assert.True(await stores.Journal.AppendAsync("trainer-step", "2", "{\"step\":2}", Ct));
        }
        await File.AppendAllTextAsync(Path.Combine(Folder, "journal.jsonl"), "{\"sequence\":3,\"kind\":\"trainer-st", Ct);
        await using var reopened = EmbeddedRunStores.Open(Folder);
        Assert.Contains(reopened.Warnings, w => w.Contains("journal.jsonl: line 3", StringComparison.Ordinal));
        Assert.False(await reopened.Journal.AppendAsync("trainer-step", "2", "{}", Ct));
        Assert.True(await reopened.Journal.AppendAsync("trainer-step", "3", "{\"step\":3}", Ct));
        var entries = await reopened.Journal.ReadAsync("trainer-step", 0, 10, Ct);
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
        Assert.Equal("{\"step\":2}", entries[1].Json);
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
