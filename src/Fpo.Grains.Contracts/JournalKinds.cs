using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fpo.Grains.Contracts;

/// <summary>
/// The kinds of run journal entries the grains append, and how their JSON is written: camelCase,
/// with NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" (an evaluation without decided comparisons has
/// a NaN win rate). Readers deserialize with <see cref="Json"/>.
/// </summary>
public static class JournalKinds
{
    /// <summary>A <see cref="TrainerStepReport"/> per optimizer step; id = the step.</summary>
    public const string TrainerStep = "trainer-step";

    /// <summary>A <see cref="SnapshotEvaluation"/> per evaluated snapshot; id = the version.</summary>
    public const string Evaluation = "evaluation";

    /// <summary>A <see cref="DeadLetterRecord"/> per record a grain could not process; id = stream/record id.</summary>
    public const string DeadLetter = "dead-letter";

    /// <summary>A <see cref="BatchTally"/> per rollout batch (pairs, failed prompts); id = the batch id, so a redelivered batch counts once.</summary>
    public const string RolloutBatch = "rollout-batch";

    /// <summary>A <see cref="BatchTally"/> per judged batch (labels, abstentions, failures); id = the batch id.</summary>
    public const string JudgedBatch = "judged-batch";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
