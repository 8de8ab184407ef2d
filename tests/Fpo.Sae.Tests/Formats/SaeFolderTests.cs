using System.Text.Json.Nodes;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Sae.Formats;
using Fpo.Testing;

namespace Fpo.Sae.Tests.Formats;

/// <summary>
/// SAELens folders written by tests/reference/sae_format.py (torch + json, not the SAELens library) load with the
/// right config and weights; our saved folders round-trip exactly and read back in Python with the documented shapes.
/// </summary>
public sealed class SaeFolderTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FoldersWrittenByPythonLoadWithTheirConfigAndWeights()
    {
        ReferencePython.Run("sae_format.py", _dir.Path);
        var root = _dir.Sub("sae_format");
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "expected.json")))!.AsObject();
        Assert.Equal(4, expected.Count);
        foreach (var (name, node) in expected)
        {
            var e = node!.AsObject();
            var w = SaeFolder.Load(Path.Combine(root, name));
            var c = w.Config;
            Assert.Equal((string)e["arch"]!, c.Architecture.ToString());
            Assert.Equal((int)e["d_in"]!, c.InputSize);
            Assert.Equal((int)e["d_sae"]!, c.Latents);
            Assert.Equal((int)e["k"]!, c.K);
            Assert.Equal((int)e["layer"]!, c.Layer);
            Assert.Equal((string)e["model"]!, c.ModelName);
            Assert.Equal((bool)e["b_dec_in"]!, c.ApplyDecoderBiasToInput);
            using var reference = SafetensorsFile.Open(Path.Combine(root, name + ".expected.safetensors"));
            Assert.Equal(reference.ReadFloat32("enc"), w.EncoderWeight);
            Assert.Equal(reference.ReadFloat32("dec"), w.DecoderWeight);
            Assert.Equal(reference.ReadFloat32("b_enc"), w.EncoderBias);
            Assert.Equal(reference.ReadFloat32("b_dec"), w.DecoderBias);
            Assert.Equal(reference.Contains("threshold") ? reference.ReadFloat32("threshold") : [], w.Threshold);
        }
    }

    [Theory]
    [InlineData(SaeArchitecture.ReLU, 0)]
    [InlineData(SaeArchitecture.TopK, 4)]
    [InlineData(SaeArchitecture.JumpReLU, 0)]
    public void SaveThenLoadIsIdentical(SaeArchitecture architecture, int k)
    {
        var w = Random(new SaeConfig { Architecture = architecture, InputSize = 6, Latents = 9, K = k, Layer = 3, ModelName = "m", ApplyDecoderBiasToInput = false }, 1);
        var dir = _dir.Sub("ours");
        SaeFolder.Save(dir, w);
        var back = SaeFolder.Load(dir);
        Assert.Equal(w.Config, back.Config);
        AssertSameWeights(w, back);

        var again = _dir.Sub("again");
        SaeFolder.Save(again, back);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, SaeFolder.WeightsFile)), File.ReadAllBytes(Path.Combine(again, SaeFolder.WeightsFile)));
        Assert.Equal(File.ReadAllText(Path.Combine(dir, SaeFolder.ConfigFile)), File.ReadAllText(Path.Combine(again, SaeFolder.ConfigFile)));
    }

    [Fact]
    public void BatchTopKSavesAsJumpReluWithItsGlobalThreshold()
    {
        var w = Random(new SaeConfig { Architecture = SaeArchitecture.BatchTopK, InputSize = 5, Latents = 8, K = 2 }, 2);
        Array.Fill(w.Threshold, 0.375f);
        SaeFolder.Save(_dir.Path, w);
        var back = SaeFolder.Load(_dir.Path);
        Assert.Equal(SaeArchitecture.JumpReLU, back.Config.Architecture);
        Assert.Equal(0, back.Config.K);
        Assert.All(back.Threshold, t => Assert.Equal(0.375f, t));
        Assert.Equal(w.EncoderWeight, back.EncoderWeight);
    }

    [Fact]
    public void Bf16SavesRoundToBf16AndLoadConverts()
    {
        var w = Random(new SaeConfig { Architecture = SaeArchitecture.JumpReLU, InputSize = 4, Latents = 6 }, 3);
        SaeFolder.Save(_dir.Path, w, SafetensorsDType.BF16);
        var back = SaeFolder.Load(_dir.Path);
        var rounded = new float[w.EncoderWeight.Length];
        var bits = new ushort[rounded.Length];
        BFloat16.FromSingle(w.EncoderWeight, bits);
        BFloat16.ToSingle(bits, rounded);
        Assert.Equal(rounded, back.EncoderWeight);
        Assert.NotEqual(w.EncoderWeight, back.EncoderWeight);
        Assert.Contains("\"bfloat16\"", File.ReadAllText(Path.Combine(_dir.Path, SaeFolder.ConfigFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void PythonReadsWhatWeSaveWithTheDocumentedShapes()
    {
        var w = Random(new SaeConfig { Architecture = SaeArchitecture.TopK, InputSize = 7, Latents = 11, K = 3, Layer = 5, ModelName = "tiny" }, 4);
        var dir = _dir.Sub("ours");
        SaeFolder.Save(dir, w);
        var reread = _dir.Sub("reread.safetensors");
        ReferencePython.Run("sae_format.py", "--read", dir, reread);

        using var torch = SafetensorsFile.Open(reread);
        Assert.Equal([7L, 11], torch.GetInfo("W_enc").Shape);
        var encoder = torch.ReadFloat32("W_enc"); // (d_in, d_sae)
        for (var f = 0; f < 11; f++)
            for (var d = 0; d < 7; d++)
                Assert.Equal(w.EncoderWeight[f * 7 + d], encoder[d * 11 + f]);
        Assert.Equal(w.DecoderWeight, torch.ReadFloat32("W_dec"));
        Assert.Equal(w.EncoderBias, torch.ReadFloat32("b_enc"));
        Assert.Equal(w.DecoderBias, torch.ReadFloat32("b_dec"));
        Assert.False(torch.Contains("threshold"));
        Assert.Equal("topk", torch.Metadata["architecture"]);
        Assert.Equal("3", torch.Metadata["k"]);
        Assert.Equal("blocks.5.hook_resid_post", torch.Metadata["hook_name"]);
        Assert.Equal("tiny", torch.Metadata["model_name"]);
    }

    [Fact]
    public void ModelMismatchesNameTheSaeAndTheNumbers()
    {
        var model = ModelConfig.CreateGpt2(vocabSize: 10, maxPositions: 8, layers: 4, channels: 8, heads: 2);
        var wide = new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 16, Latents = 32, Layer = 1 };
        var e = Assert.Throws<ArgumentException>(() => SaeModelCheck.Check(wide, model, "sae/dir"));
        Assert.Equal("sae/dir: SAE d_in is 16 but the model's residual stream has 8 channels; the SAE was made for a different model", e.Message);
        var deep = wide with { InputSize = 8, Layer = 4 };
        e = Assert.Throws<ArgumentException>(() => SaeModelCheck.Check(deep, model, "sae/dir"));
        Assert.Equal("sae/dir: SAE reads blocks.4.hook_resid_post but the model has 4 layers (blocks.0 to blocks.3)", e.Message);
        SaeModelCheck.Check(deep with { Layer = 3 }, model, "sae/dir");
    }

    internal static SaeWeights Random(SaeConfig config, int seed)
    {
        var random = new Random(seed);
        var w = new SaeWeights(config);
        foreach (var a in new[] { w.EncoderWeight, w.EncoderBias, w.DecoderWeight, w.DecoderBias, w.Threshold })
            for (var i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        return w;
    }

    private static void AssertSameWeights(SaeWeights a, SaeWeights b)
    {
        Assert.Equal(a.EncoderWeight, b.EncoderWeight);
        Assert.Equal(a.EncoderBias, b.EncoderBias);
        Assert.Equal(a.DecoderWeight, b.DecoderWeight);
        Assert.Equal(a.DecoderBias, b.DecoderBias);
        Assert.Equal(a.Threshold, b.Threshold);
    }
}
