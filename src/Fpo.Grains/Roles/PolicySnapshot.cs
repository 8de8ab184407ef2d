using Fpo.Grains.Stores;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Roles;

/// <summary>
/// A policy as snapshot files: its model.safetensors bytes in the Hugging Face layout (config and tokenizer are fixed
/// for a run, so a snapshot holds the weights alone), F32 or BF16. Both directions work in memory. Loading copies the
/// weights into an existing replica of the same shape, so engines and buffers built on it stay valid.
/// </summary>
public static class PolicySnapshot
{
    public const string WeightsFile = HuggingFaceCheckpoint.WeightsFile;

    /// <summary>
    /// The snapshot files of <paramref name="policy"/>'s current weights. As F32, model.safetensors is byte for byte
    /// the file <see cref="HuggingFaceCheckpoint.Save"/> writes; as BF16 the same tensors rounded to nearest even.
    /// </summary>
    public static Dictionary<string, byte[]> Files(TransformerModel policy, SnapshotDType dtype = SnapshotDType.F32) =>
        new() { [WeightsFile] = HuggingFaceCheckpoint.WeightsBytes(policy, dtype.Safetensors()) };

    /// <summary>
    /// Copies the weights of <paramref name="content"/> (F32 or BF16, BF16 widened exactly) into <paramref name="into"/>;
    /// a snapshot of another shape throws <see cref="InvalidDataException"/> naming the version and leaves
    /// <paramref name="into"/> as it was.
    /// </summary>
    public static void Load(SnapshotContent content, TransformerModel into)
    {
        var bytes = WeightsOf(content);
        try
        {
            using var file = SafetensorsFile.Parse($"{WeightsFile} of snapshot {content.Info.Version}", bytes);
            HuggingFaceCheckpoint.ReadWeights(file, into);
        }
        catch (SafetensorsFormatException e)
        {
            throw new InvalidDataException($"snapshot {content.Info.Version}: its weights do not fit the run's model ({e.Message})", e);
        }
        into.InvalidateInferenceWeights();
    }

    /// <summary>The dtype of a snapshot's weights: that of its tensors when they all share F32 or BF16, else null.</summary>
    public static SnapshotDType? DTypeOf(SnapshotContent content)
    {
        try
        {
            using var file = SafetensorsFile.Parse($"{WeightsFile} of snapshot {content.Info.Version}", WeightsOf(content));
            var dtypes = file.Tensors.Values.Select(t => t.DType).Distinct().ToList();
            return dtypes switch
            {
                [SafetensorsDType.F32] => SnapshotDType.F32,
                [SafetensorsDType.BF16] => SnapshotDType.BF16,
                _ => null,
            };
        }
        catch (SafetensorsFormatException)
        {
            return null;
        }
    }

    private static byte[] WeightsOf(SnapshotContent content) =>
        content.Files.TryGetValue(WeightsFile, out var bytes) ? bytes
            : throw new InvalidDataException($"snapshot {content.Info.Version}: no {WeightsFile} among its files ({string.Join(", ", content.Files.Keys)})");
}
