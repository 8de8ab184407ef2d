using System.Globalization;
using System.Text.Json;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Actors;

/// <summary>The run-journal records the grains write, in the journal's JSON.</summary>
internal static class GrainJournal
{
    public static Task DeadLetterAsync(IRunStores stores, string stream, string id, string reason, CancellationToken cancellationToken) =>
        stores.Journal.AppendAsync(JournalKinds.DeadLetter, stream + "/" + id,
            JsonSerializer.Serialize(new DeadLetterRecord(stream, id, reason, DateTimeOffset.UtcNow), JournalKinds.Json), cancellationToken);

    public static Task TallyAsync(IRunStores stores, string kind, string batchId, BatchTally tally, CancellationToken cancellationToken) =>
        stores.Journal.AppendAsync(kind, batchId, JsonSerializer.Serialize(tally, JournalKinds.Json), cancellationToken);

    /// <summary>A rollout grain serves <paramref name="version"/> from now on: what the API's status and the cluster benchmark's publish latency read.</summary>
    public static Task ServingAsync(IRunStores stores, string silo, string grain, long version, CancellationToken cancellationToken) =>
        stores.Journal.AppendAsync(RolloutServing.JournalKind, $"{silo}/{grain}/{version.ToString(CultureInfo.InvariantCulture)}",
            JsonSerializer.Serialize(new RolloutServing(silo, grain, version, DateTimeOffset.UtcNow), JournalKinds.Json), cancellationToken);

    public static Task StepAsync(IRunStores stores, TrainerStepReport report, CancellationToken cancellationToken) =>
        stores.Journal.AppendAsync(JournalKinds.TrainerStep, report.Step.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(report, JournalKinds.Json), cancellationToken);

    public static Task EvaluationAsync(IRunStores stores, SnapshotEvaluation evaluation, CancellationToken cancellationToken) =>
        stores.Journal.AppendAsync(JournalKinds.Evaluation, evaluation.Version.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(evaluation, JournalKinds.Json), cancellationToken);
}
