using System.Text.Json;
using Fpo.Models.Checkpoints;
using Fpo.Models.Optimization;
using Fpo.Models.Training;
using Fpo.Models.Transformer;

namespace Fpo.Alignment.Training;

/// <summary>
/// A resumable preference-training checkpoint: checkpoints/step-NNNNNNN/ with the policy in the Hugging Face layout,
/// optimizer.safetensors (AdamW moments) and trainer_state.json: the step, the settings (the seed fixes the held-out
/// split and every epoch's batch order), the fingerprint of the pairs it was trained on, and where the SAE and the
/// TDPO reference come from. That is everything a step reads, so a resumed run is bit-identical to an uninterrupted one.
/// </summary>
public static class PreferenceCheckpoint
{
    private const string StateFile = "trainer_state.json";
    private const int Keep = 2;

    /// <param name="DataFingerprint">SHA-256 of the pairs as JSONL lines, in order.</param>
    /// <param name="SaeDir">The SAE folder (FPO), absolute.</param>
    /// <param name="ReferenceDir">The TDPO reference's folder, absolute; null = the frozen initial policy in the run folder.</param>
    public sealed record State(int Step, int OptimizerSteps, int TotalSteps, PreferenceTrainingSettings Settings, string DataFingerprint,
        string? SaeDir, string? ReferenceDir);

    public static string Save(string runDir, TransformerModel policy, AdamW optimizer, State state) =>
        CheckpointFolders.Save(runDir, state.Step, StateFile, Keep, temp =>
        {
            HuggingFaceCheckpoint.Save(temp, policy);
            OptimizerMomentsFile.Save(temp, optimizer);
            File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state with { OptimizerSteps = optimizer.StepCount }, JsonOptions));
        });

    /// <summary>The newest complete checkpoint folder of a run, or null when it has none.</summary>
    public static string? Latest(string runDir) => CheckpointFolders.Completed(runDir, StateFile).LastOrDefault();

    /// <summary>Policy, optimizer moments and state of a checkpoint folder.</summary>
    public static (TransformerModel Policy, AdamW Optimizer, State State) Load(string checkpointDir)
    {
        var statePath = Path.Combine(checkpointDir, StateFile);
        State state;
        try
        {
            state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath), JsonOptions)
                ?? throw new InvalidDataException($"{statePath}: empty trainer state");
            state.Settings.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{statePath}: not a valid preference trainer state ({e.Message})", e);
        }
        var (_, policy) = HuggingFaceCheckpoint.Load(checkpointDir);
        var optimizer = AdamW.For(policy, state.Settings.AdamW());
        OptimizerMomentsFile.Load(checkpointDir, optimizer);
        optimizer.StepCount = state.OptimizerSteps;
        return (policy, optimizer, state);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
