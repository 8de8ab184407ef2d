using Fpo.Models.Checkpoints;
using Fpo.Models.Optimization;

namespace Fpo.Models.Training;

/// <summary>AdamW's two moments of a transformer as one safetensors file (adamw.m, adamw.v), shared by the trainers' checkpoints.</summary>
public static class OptimizerMomentsFile
{
    public const string Name = "optimizer.safetensors";

    public static void Save(string checkpointDir, AdamW optimizer)
    {
        long[] shape = [optimizer.M.Length];
        SafetensorsWriter.Write(Path.Combine(checkpointDir, Name),
            [SafetensorsTensor.F32("adamw.m", shape, optimizer.M), SafetensorsTensor.F32("adamw.v", shape, optimizer.V)]);
    }

    /// <summary>Reads the moments into <paramref name="optimizer"/>; throws naming the file and tensor when they do not fit.</summary>
    public static void Load(string checkpointDir, AdamW optimizer)
    {
        var path = Path.Combine(checkpointDir, Name);
        using var file = SafetensorsFile.Open(path);
        foreach (var (name, target) in new[] { ("adamw.m", optimizer.M), ("adamw.v", optimizer.V) })
        {
            var info = file.Tensors.TryGetValue(name, out var i) ? i
                : throw new InvalidDataException($"{path}: tensor '{name}' is missing");
            if (info.ElementCount != target.Length)
                throw new InvalidDataException($"{path}: tensor '{name}' has {info.ElementCount} elements, the model has {target.Length} parameters");
            file.ReadFloat32(name, target);
        }
    }
}
