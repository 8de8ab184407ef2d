using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fpo.Grains.Contracts;

/// <summary>
/// The kinds of <see cref="Backbone.IRunJournal"/> entries the grains append, and how their JSON is written: camelCase,
/// with NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" (an evaluation without decided comparisons has
/// a NaN win rate). Readers deserialize with <see cref="Json"/>.
/// </summary>
public static class JournalKinds
{
    /// <summary>A <see cref="TrainerStepReport"/> per optimizer step; id = the step.</summary>
    public const string TrainerStep = "trainer-step";

    /// <summary>A <see cref="SnapshotEvaluation"/> per evaluated snapshot; id = the version.</summary>
    public const string Evaluation = "evaluation";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
