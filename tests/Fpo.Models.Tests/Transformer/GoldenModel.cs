using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Testing;

namespace Fpo.Models.Tests.Transformer;

/// <summary>One fixture of tests/reference/model_*.py: the HF model folder and its golden tensors.</summary>
internal sealed class GoldenModel : IDisposable
{
    public GoldenModel(string name)
    {
        Directory = Path.GetDirectoryName(RepoPaths.Golden(Path.Combine(name, "config.json")))!;
        (Config, Model) = HuggingFaceCheckpoint.Load(Directory);
        File = GoldenFile.Open(name + ".golden.safetensors");
        var shape = File.Tensors["tokens"].Shape;
        (B, T) = ((int)shape[0], (int)shape[1]);
        Tokens = Ints("tokens");
        Targets = Ints("targets");
    }

    public string Directory { get; }
    public ModelConfig Config { get; }
    public TransformerModel Model { get; }
    public SafetensorsFile File { get; }
    public int B { get; }
    public int T { get; }
    public int[] Tokens { get; }
    public int[] Targets { get; }

    public float[] Read(string name) => File.ReadFloat32(name);

    /// <summary>
    /// Relative 1e-4 against max(|expected|, 1% of the tensor's largest magnitude): two fp32 computations that sum
    /// in different orders differ by ~1e-7 of the scale, which is far above 1e-4 relative only for entries that
    /// cancel to nearly zero.
    /// </summary>
    public const float RelFloor = 1e-2f;

    public static void AssertClose(string name, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected) =>
        TensorComparison.AssertClose(name, actual, expected, 1e-4f, RelFloor);

    /// <summary>Compares every parameter gradient, in Hugging Face names and layout, with prefix + name.</summary>
    public void AssertGradients(string prefix)
    {
        foreach (var t in HuggingFaceNames.For(Config))
            AssertClose(prefix + t.Name, t.Export(Model.Gradients), Read(prefix + t.Name));
    }

    public void Dispose() => File.Dispose();

    private int[] Ints(string name) => Read(name).Select(x => (int)x).ToArray();
}
