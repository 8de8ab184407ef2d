using Fpo.Models.Checkpoints;
using Fpo.Testing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>The PyTorch scripts' HF-named checkpoints load, and saving them again writes the same tensors.</summary>
public class GoldenCheckpointTests
{
    [Theory]
    [InlineData("model_gpt2")]
    [InlineData("model_llama")]
    [InlineData("model_qwen2")]
    public void SavingALoadedCheckpointWritesTheSameNamesShapesAndValues(string fixture)
    {
        var source = Path.GetDirectoryName(RepoPaths.Golden(Path.Combine(fixture, HuggingFaceCheckpoint.ConfigFile)))!;
        var (config, model) = HuggingFaceCheckpoint.Load(source);
        using var dir = new TempDirectory();
        HuggingFaceCheckpoint.Save(dir.Path, model);
        Assert.Equal(config, HuggingFaceConfig.Read(dir.File(HuggingFaceCheckpoint.ConfigFile)));
        using var original = SafetensorsFile.Open(Path.Combine(source, HuggingFaceCheckpoint.WeightsFile));
        using var saved = SafetensorsFile.Open(dir.File(HuggingFaceCheckpoint.WeightsFile));
        Assert.Equal(original.Tensors.Keys.Order(), saved.Tensors.Keys.Order());
        foreach (var name in original.Tensors.Keys)
        {
            Assert.Equal(original.Tensors[name].Shape, saved.Tensors[name].Shape);
            Assert.Equal(original.ReadFloat32(name), saved.ReadFloat32(name));
        }
    }
}
