using System.Runtime.InteropServices;
using Fpo.Grains.Roles;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Roles;

/// <summary>
/// A BF16 snapshot PyTorch wrote by hand (tests/reference/bfloat16_snapshot.py: a tiny GPT-2 in Hugging Face names)
/// loads through <see cref="PolicySnapshot.Load"/> to torch's widened values, and our BF16 snapshot of the fp32 source
/// weights holds torch's bits.
/// </summary>
public sealed class PolicySnapshotPyTorchTests(ITestOutputHelper output) : IDisposable
{
    private readonly SafetensorsFile _golden = GoldenFile.Open("bf16_snapshot.golden.safetensors");
    private readonly ModelConfig _config = HuggingFaceConfig.Read(RepoPaths.Golden(Path.Combine("bf16_snapshot", HuggingFaceCheckpoint.ConfigFile)));

    public void Dispose() => _golden.Dispose();

    private static byte[] TorchFile() => File.ReadAllBytes(RepoPaths.Golden(Path.Combine("bf16_snapshot", HuggingFaceCheckpoint.WeightsFile)));

    [Fact]
    public void Loading_torchs_BF16_file_gives_torchs_widened_values()
    {
        var model = new TransformerModel(_config, seed: 1);
        PolicySnapshot.Load(PolicySnapshotTests.Content(3, new() { [PolicySnapshot.WeightsFile] = TorchFile() }), model);

        var names = HuggingFaceNames.For(_config);
        Assert.Equal(names.Count * 2, _golden.Tensors.Count);
        foreach (var t in names)
        {
            var expected = _golden.ReadFloat32("widened." + t.Name);
            var actual = t.Export(model.Parameters);
            TensorComparison.AssertClose(t.Name, actual, expected, rtol: 0, log: new OutputWriter(output));
            Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Fact]
    public void Our_BF16_snapshot_of_the_fp32_source_holds_torchs_bits_for_every_tensor()
    {
        var model = new TransformerModel(_config);
        foreach (var t in HuggingFaceNames.For(_config)) t.Import(model.Parameters, _golden.ReadFloat32("source." + t.Name));

        using var ours = SafetensorsFile.Parse("ours", PolicySnapshot.Files(model, SnapshotDType.BF16)[PolicySnapshot.WeightsFile]);
        using var torch = SafetensorsFile.Parse("torch", TorchFile());

        Assert.Equal(torch.Tensors.Keys.Order(), ours.Tensors.Keys.Order());
        foreach (var name in torch.Tensors.Keys)
        {
            Assert.Equal(SafetensorsDType.BF16, ours.Tensors[name].DType);
            Assert.Equal(torch.Tensors[name].Shape, ours.Tensors[name].Shape);
            var differing = MemoryMarshal.Cast<byte, ushort>(ours.GetBytes(name)).ToArray()
                .Zip(MemoryMarshal.Cast<byte, ushort>(torch.GetBytes(name)).ToArray()).Count(p => p.First != p.Second);
            Assert.True(differing == 0, $"{name}: {differing} of {torch.Tensors[name].ElementCount} bf16 values differ from torch's");
        }
    }

    // TensorComparison prints its per-tensor error line to a TextWriter; xunit captures test output through ITestOutputHelper.
    private sealed class OutputWriter(ITestOutputHelper output) : StringWriter
    {
        public override void WriteLine(string? value) => output.WriteLine(value ?? "");
    }
}
