using System.Text.Json;
using Fpo.Models.Checkpoints;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;

namespace Fpo.Models.Training;

/// <summary>
/// A resumable pre-training checkpoint: checkpoints/step-NNNNNNN/ under the run folder holding the model in the
/// Hugging Face layout (config.json, model.safetensors), optimizer.safetensors (AdamW moments) and trainer_state.json,
/// written atomically by <see cref="CheckpointFolders"/>.
/// </summary>
public static class PretrainCheckpoint
{
    public const string Folder = CheckpointFolders.Folder;
    private const string StateFile = "trainer_state.json";
    private const int Keep = 2;

    public sealed record State(int Step, int OptimizerSteps, PretrainSettings Settings);

    public static string Save(string runDir, TransformerModel model, AdamW optimizer, State state) =>
        CheckpointFolders.Save(runDir, state.Step, StateFile, Keep, temp =>
        {
            HuggingFaceCheckpoint.Save(temp, model);
            OptimizerMomentsFile.Save(temp, optimizer);
            File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state with { OptimizerSteps = optimizer.StepCount }, JsonOptions));
        });

    /// <summary>The newest complete checkpoint folder of a run, or null when it has none.</summary>
    public static string? Latest(string runDir) => CheckpointFolders.Completed(runDir, StateFile).LastOrDefault();

    /// <summary>Loads model, optimizer moments and state from a checkpoint folder; the optimizer is built for the loaded model.</summary>
    public static (TransformerModel Model, AdamW Optimizer, State State) Load(string checkpointDir)
    {
        var statePath = Path.Combine(checkpointDir, StateFile);
        State state;
        try
        {
            state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath), JsonOptions)
                ?? throw new InvalidDataException($"{statePath}: empty trainer state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{statePath}: not a valid trainer state ({e.Message})", e);
        }
        var (_, model) = HuggingFaceCheckpoint.Load(checkpointDir);
        var settings = state.Settings;
        var optimizer = AdamW.For(model, new AdamWSettings { WeightDecay = settings.WeightDecay });
        OptimizerMomentsFile.Load(checkpointDir, optimizer);
        optimizer.StepCount = state.OptimizerSteps;
        return (model, optimizer, state);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
