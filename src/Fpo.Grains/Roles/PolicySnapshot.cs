using Fpo.Grains.Stores;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Roles;

/// <summary>
/// A policy as snapshot files: its model.safetensors bytes in the Hugging Face layout (config and tokenizer are fixed
/// for a run, so a snapshot holds the weights alone). Loading copies the weights into an existing replica of the same
/// shape, so engines and buffers built on it stay valid.
/// </summary>
public static class PolicySnapshot
{
    public const string WeightsFile = HuggingFaceCheckpoint.WeightsFile;

    /// <summary>The snapshot files of <paramref name="policy"/>'s current weights.</summary>
    public static Dictionary<string, byte[]> Files(TransformerModel policy)
    {
        var dir = TempFolder();
        try
        {
            HuggingFaceCheckpoint.Save(dir, policy);
            return new Dictionary<string, byte[]> { [WeightsFile] = File.ReadAllBytes(Path.Combine(dir, WeightsFile)) };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Copies the weights of <paramref name="content"/> into <paramref name="into"/>; a snapshot of another shape throws naming the version.</summary>
    public static void Load(SnapshotContent content, TransformerModel into)
    {
        if (!content.Files.TryGetValue(WeightsFile, out var bytes))
            throw new InvalidDataException($"snapshot {content.Info.Version}: no {WeightsFile} among its files ({string.Join(", ", content.Files.Keys)})");
        var dir = TempFolder();
        try
        {
            File.WriteAllBytes(Path.Combine(dir, WeightsFile), bytes);
            File.WriteAllText(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile), HuggingFaceConfig.Write(into.Config));
            TransformerModel loaded;
            try
            {
                loaded = HuggingFaceCheckpoint.Load(dir).Model;
            }
            catch (SafetensorsFormatException e)
            {
                throw new InvalidDataException($"snapshot {content.Info.Version}: its weights do not fit the run's model ({e.Message})", e);
            }
            loaded.Parameters.CopyTo(into.Parameters, 0);
            into.InvalidateInferenceWeights();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"fpo-snapshot-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
