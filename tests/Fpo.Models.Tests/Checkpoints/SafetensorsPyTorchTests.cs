using System.Runtime.InteropServices;
using Fpo.Models.Checkpoints;
using Fpo.Testing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>Reads the file tests/reference/safetensors_files.py writes with PyTorch; every comparison is exact.</summary>
public sealed class SafetensorsPyTorchTests : IDisposable
{
    private readonly SafetensorsFile _file = GoldenFile.Open("safetensors_dtypes.safetensors");

    public void Dispose() => _file.Dispose();

    private static uint[] Bits(float[] values) => MemoryMarshal.Cast<float, uint>(values.AsSpan()).ToArray().Select(
        (b, i) => float.IsNaN(values[i]) ? 0x7FC00000u : b).ToArray();

    [Theory]
    [InlineData("x.f16", "x.f16.as_f32")]
    [InlineData("x.bf16", "x.bf16.as_f32")]
    [InlineData("x.f64", "x.f64.as_f32")]
    [InlineData("x.f32", "x.f32")]
    public void FloatTensorsConvertToTheSameFp32AsPyTorch(string stored, string asFloat32)
    {
        var actual = _file.ReadFloat32(stored);
        var expected = _file.ReadFloat32(asFloat32);
        Assert.Equal([3L, 7L, 16L], _file.GetInfo(stored).Shape);
        Assert.Equal(336, actual.Length);
        Assert.Contains(actual, float.IsNaN);
        Assert.Equal(Bits(expected), Bits(actual));
    }

    [Fact]
    public void Float32ToHalfAndBFloat16RoundsLikePyTorch()
    {
        var x = _file.ReadFloat32("x.f32");
        var half = new Half[x.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(x, half);
        var torchHalf = MemoryMarshal.Cast<byte, ushort>(_file.GetBytes("x.f16")).ToArray();
        var ours = MemoryMarshal.Cast<Half, ushort>(half.AsSpan()).ToArray();
        for (var i = 0; i < x.Length; i++)
            if (!float.IsNaN(x[i])) Assert.True(torchHalf[i] == ours[i], $"F16 of x[{i}] = {x[i]:R}: torch 0x{torchHalf[i]:X4}, ours 0x{ours[i]:X4}");

        var bf16 = new ushort[x.Length];
        BFloat16.FromSingle(x, bf16);
        var torchBf16 = MemoryMarshal.Cast<byte, ushort>(_file.GetBytes("x.bf16")).ToArray();
        for (var i = 0; i < x.Length; i++)
            if (!float.IsNaN(x[i])) Assert.True(torchBf16[i] == bf16[i], $"BF16 of x[{i}] = {x[i]:R}: torch 0x{torchBf16[i]:X4}, ours 0x{bf16[i]:X4}");
    }

    [Fact]
    public void IntegerTensorsReadAsPyTorchWroteThem()
    {
        Assert.Equal([0L, 1, -1, 1L << 40, -(1L << 40), 1L << 62, -(1L << 62), 7, 123456789, -5], _file.ReadInt64("ids.i64"));
        Assert.Equal(SafetensorsDType.I32, _file.GetInfo("ids.i32").DType);
        Assert.Equal(_file.ReadInt64("ids.i32.as_i64"), _file.ReadInt64("ids.i32"));
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (long)i), _file.ReadInt64("bytes.u8"));
    }

    [Fact]
    public void ScalarsEmptyTensorsAndMetadataReadAsWritten()
    {
        Assert.Equal([2.5f], _file.ReadFloat32("scalar.f32"));
        Assert.Empty(_file.GetInfo("scalar.f32").Shape);
        Assert.Equal([0L, 4L], _file.GetInfo("empty.f32").Shape);
        Assert.Empty(_file.ReadFloat32("empty.f32"));
        Assert.Equal("pt", _file.Metadata["format"]);
        Assert.Equal("tests/reference/safetensors_files.py", _file.Metadata["source"]);
        Assert.Equal(13, _file.Tensors.Count);
    }
}
