using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>The model.safetensors built in memory is the saved file (F32) or its bfloat16 rounding, and reads back in memory.</summary>
public sealed class WeightsBytesTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void F32_bytes_equal_the_saved_file(bool llama)
    {
        var config = llama
            ? new ModelConfig
            {
                Family = ModelConfig.Llama, VocabSize = 101, MaxPositions = 32, Layers = 2, Channels = 32, Heads = 4, KvHeads = 2,
                HiddenSize = 48, NormEps = 1e-6f, RopeTheta = 5000f, QkvBias = true, TiedEmbeddings = false,
            }
            : ModelConfig.CreateGpt2(101, 32, layers: 2, channels: 32, heads: 4);
        var model = new TransformerModel(config, seed: 2);
        using var dir = new TempDirectory();
        HuggingFaceCheckpoint.Save(dir.Path, model);
        Assert.Equal(File.ReadAllBytes(dir.File(HuggingFaceCheckpoint.WeightsFile)), HuggingFaceCheckpoint.WeightsBytes(model, SafetensorsDType.F32));
    }

    [Fact]
    public void BF16_bytes_hold_the_same_names_and_shapes_with_values_rounded_to_nearest_even()
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(101, 32, layers: 2, channels: 32, heads: 4), seed: 3);
        using var f32 = SafetensorsFile.Parse("f32", HuggingFaceCheckpoint.WeightsBytes(model, SafetensorsDType.F32));
        using var bf16 = SafetensorsFile.Parse("bf16", HuggingFaceCheckpoint.WeightsBytes(model, SafetensorsDType.BF16));
        Assert.Equal(f32.Tensors.Keys.Order(), bf16.Tensors.Keys.Order());
        Assert.Equal("pt", bf16.Metadata["format"]);
        foreach (var (name, info) in f32.Tensors)
        {
            Assert.Equal(SafetensorsDType.BF16, bf16.Tensors[name].DType);
            Assert.Equal(info.Shape, bf16.Tensors[name].Shape);
            var rounded = new ushort[info.ElementCount];
            BFloat16.FromSingle(f32.ReadFloat32(name), rounded);
            Assert.Equal(rounded, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bf16.GetBytes(name)).ToArray());
        }
    }

    [Fact]
    public void Reading_weights_from_memory_restores_the_model_and_refuses_a_non_float_tensor_before_writing_any()
    {
        var config = ModelConfig.CreateGpt2(101, 32, layers: 1, channels: 32, heads: 4);
        var model = new TransformerModel(config, seed: 4);
        var into = new TransformerModel(config, seed: 5);
        using (var file = SafetensorsFile.Parse("m", HuggingFaceCheckpoint.WeightsBytes(model, SafetensorsDType.F32)))
            HuggingFaceCheckpoint.ReadWeights(file, into);
        Assert.Equal(model.Parameters, into.Parameters);

        var tensors = HuggingFaceNames.For(config).Select(t => t.Name == "ln_f.bias"
            ? SafetensorsTensor.I32(t.Name, t.Shape, new int[t.Length])
            : SafetensorsTensor.F32(t.Name, t.Shape, t.Export(model.Parameters)));
        var fresh = new TransformerModel(config, seed: 6);
        var before = (float[])fresh.Parameters.Clone();
        using var bad = SafetensorsFile.Parse("bad", SafetensorsWriter.ToBytes(tensors));
        var e = Assert.Throws<SafetensorsFormatException>(() => HuggingFaceCheckpoint.ReadWeights(bad, fresh));
        Assert.Equal("bad: tensor 'ln_f.bias' has dtype I32; weights are F32, BF16, F16 or F64", e.Message);
        Assert.Equal(before, fresh.Parameters);
    }
}
