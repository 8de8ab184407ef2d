using System.Text.Json;
using System.Text.Json.Serialization;
using Fpo.Models.Checkpoints;
using Fpo.Models.Training;
using Fpo.Sae.Harvesting;

namespace Fpo.Sae.Training;

/// <summary>
/// A resumable SAE training checkpoint: checkpoints/step-NNNNNNN/ under the run folder with state.safetensors (the
/// weights in our (F,D) layout, each tensor's Adam moments, the dead-latent ages and the activation buffer's rows) and
/// trainer_state.json (steps, tokens trained and harvested, input scale, BatchTopK threshold average, the buffer's
/// random state, the SAE config and the settings). Together they are everything a step reads, so a resumed run makes
/// bit-identical weights to an uninterrupted one. Written atomically by <see cref="CheckpointFolders"/>; the last two
/// are kept.
/// </summary>
public static class SaeTrainingCheckpoint
{
    public const string Folder = CheckpointFolders.Folder;
    private const string TensorsFile = "state.safetensors";
    private const string StateFile = "trainer_state.json";
    private const string BufferTensor = "buffer.rows";
    private const string AgesTensor = "dead.tokens_since_fired";
    private const int Keep = 2;

    public sealed record State(int Step, int TotalSteps, long RunTokens, long TokensTrained, long TokensHarvested, float InputScale,
        float ThresholdAverage, ulong[] BufferRandom, int BufferRows, SaeConfig Config, SaeTrainingSettings Settings);

    public static string Save(string runDir, SaeTrainer trainer, ActivationBuffer buffer, long tokensHarvested, long runTokens) =>
        CheckpointFolders.Save(runDir, trainer.Step, StateFile, Keep, temp =>
        {
            var w = trainer.Weights;
            int D = w.Config.InputSize, F = w.Config.Latents;
            List<SafetensorsTensor> tensors =
            [
                SafetensorsTensor.F32("W_enc", [F, D], w.EncoderWeight), SafetensorsTensor.F32("b_enc", [F], w.EncoderBias),
                SafetensorsTensor.F32("W_dec", [F, D], w.DecoderWeight), SafetensorsTensor.F32("b_dec", [D], w.DecoderBias),
                SafetensorsTensor.I64(AgesTensor, [F], trainer.Tracker.TokensSinceFired),
            ];
            if (w.Threshold.Length > 0) tensors.Add(SafetensorsTensor.F32("threshold", [F], w.Threshold));
            foreach (var (name, optimizer) in trainer.Optimizers)
            {
                tensors.Add(SafetensorsTensor.F32($"adam.{name}.m", [optimizer.M.Length], optimizer.M));
                tensors.Add(SafetensorsTensor.F32($"adam.{name}.v", [optimizer.V.Length], optimizer.V));
            }
            if (buffer.Count > 0) tensors.Add(SafetensorsTensor.F32(BufferTensor, [buffer.Count, D], buffer.Rows.ToArray()));
            SafetensorsWriter.Write(Path.Combine(temp, TensorsFile), tensors);
            var state = new State(trainer.Step, trainer.Schedule.TotalSteps, runTokens, trainer.TokensTrained, tokensHarvested, trainer.InputScale,
                trainer.ThresholdAverage, buffer.RandomState, buffer.Capacity, w.Config, trainer.Settings);
            File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, JsonOptions));
        });

    /// <summary>The newest complete checkpoint folder of a run, or null when it has none.</summary>
    public static string? Latest(string runDir) => CheckpointFolders.Completed(runDir, StateFile).LastOrDefault();

    public static State ReadState(string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, StateFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: file is missing; not an SAE training checkpoint");
        try
        {
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty trainer state");
            state.Config.Validate();
            state.Settings.Validate();
            return state;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a valid SAE trainer state ({e.Message})", e);
        }
    }

    /// <summary>A trainer and a buffer in exactly the state the checkpoint saved; the buffer has the saved capacity.</summary>
    public static (SaeTrainer Trainer, ActivationBuffer Buffer, State State) Load(string checkpointDir)
    {
        var state = ReadState(checkpointDir);
        var trainer = new SaeTrainer(state.Config, state.Settings, state.TotalSteps, state.RunTokens)
        {
            Step = state.Step, TokensTrained = state.TokensTrained, InputScale = state.InputScale, ThresholdAverage = state.ThresholdAverage,
        };
        var D = state.Config.InputSize;
        var buffer = new ActivationBuffer(state.BufferRows, D, state.Settings.Seed);
        var path = Path.Combine(checkpointDir, TensorsFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: file is missing; {StateFile} is there but the tensors are not");
        using var file = SafetensorsFile.Open(path);
        var w = trainer.Weights;
        Read(file, "W_enc", w.EncoderWeight);
        Read(file, "b_enc", w.EncoderBias);
        Read(file, "W_dec", w.DecoderWeight);
        Read(file, "b_dec", w.DecoderBias);
        if (w.Threshold.Length > 0) Read(file, "threshold", w.Threshold);
        foreach (var (name, optimizer) in trainer.Optimizers)
        {
            Read(file, $"adam.{name}.m", optimizer.M);
            Read(file, $"adam.{name}.v", optimizer.V);
            optimizer.StepCount = state.Step;
        }
        var ages = new long[state.Config.Latents];
        Expect(file, AgesTensor, ages.Length);
        file.ReadInt64(AgesTensor, ages);
        trainer.Tracker.Restore(ages);
        var rows = file.Contains(BufferTensor) ? file.ReadFloat32(BufferTensor) : [];
        if (rows.Length % D != 0 || rows.Length / D > state.BufferRows)
            throw new SafetensorsFormatException(path, BufferTensor, $"holds {rows.Length} values, not at most {state.BufferRows} rows of {D}");
        buffer.Restore(rows, state.BufferRandom);
        return (trainer, buffer, state);
    }

    private static void Read(SafetensorsFile file, string name, float[] destination)
    {
        Expect(file, name, destination.Length);
        file.ReadFloat32(name, destination);
    }

    private static void Expect(SafetensorsFile file, string name, long elements)
    {
        if (!file.Contains(name)) throw new SafetensorsFormatException(file.Path, name, "is missing");
        var info = file.GetInfo(name);
        if (info.ElementCount != elements)
            throw new SafetensorsFormatException(file.Path, name, $"has {info.ElementCount} elements, the trainer has {elements}");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
}
