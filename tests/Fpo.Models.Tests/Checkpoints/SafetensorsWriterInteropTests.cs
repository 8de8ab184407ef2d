using System.Text.Json;
using Fpo.Models.Checkpoints;
using Fpo.Testing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>
/// Files from <see cref="SafetensorsWriter"/> read back by PyTorch: tests/reference/_safetensors_reread.py parses
/// them with Python's json and struct, checks the layout rules, converts with torch and writes the values again.
/// </summary>
public sealed class SafetensorsWriterInteropTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void PyTorchReadsWhatTheWriterWrites()
    {
        var path = _dir.File("ours.safetensors");
        var w = new float[2 * 3 * 5];
        for (var i = 0; i < w.Length; i++) w[i] = MathF.Sin(i) * MathF.Pow(10, i % 7 - 3);
        w[0] = float.PositiveInfinity;
        long[] ids = [-(1L << 50), 0, 1L << 50];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcødé \"q\"" };
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.Raw("mask", SafetensorsDType.BOOL, [3], new byte[] { 1, 0, 1 }),
            SafetensorsTensor.BF16("w.bf16", [2, 3, 5], w),
            SafetensorsTensor.F32("w.f32", [2, 3, 5], w),
            SafetensorsTensor.F16("w.f16", [2, 3, 5], w),
            SafetensorsTensor.F64("pi", [], [Math.PI]),
            SafetensorsTensor.I64("ids", [3], ids),
            SafetensorsTensor.I32("pos", [1, 2], [-3, 4]),
            SafetensorsTensor.F32("empty", [0, 2], Array.Empty<float>()),
        ], metadata);

        var reread = _dir.File("reread.safetensors");
        ReferencePython.Run("_safetensors_reread.py", path, reread);

        using var ours = SafetensorsFile.Open(path);
        using var torch = SafetensorsFile.Open(reread);
        Assert.Equal(ours.Tensors.Keys.Order(), torch.Tensors.Keys.Order());
        foreach (var name in new[] { "w.bf16", "w.f32", "w.f16", "pi", "empty" })
        {
            Assert.Equal(SafetensorsDType.F32, torch.GetInfo(name).DType);
            Assert.Equal(ours.GetInfo(name).Shape, torch.GetInfo(name).Shape);
            Assert.Equal(ours.ReadFloat32(name), torch.ReadFloat32(name));
        }
        Assert.Equal(w, torch.ReadFloat32("w.f32"));
        Assert.Equal([1L, 0, 1], torch.ReadInt64("mask"));
        Assert.Equal(ids, torch.ReadInt64("ids"));
        Assert.Equal([-3L, 4], torch.ReadInt64("pos"));
        Assert.Equal(metadata, JsonSerializer.Deserialize<Dictionary<string, string>>(torch.Metadata["metadata"]));
    }
}
