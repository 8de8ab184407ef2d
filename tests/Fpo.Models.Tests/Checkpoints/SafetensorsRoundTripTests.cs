using System.Runtime.InteropServices;
using Fpo.Models.Checkpoints;

namespace Fpo.Models.Tests.Checkpoints;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static float[] Values(int n, int seed)
    {
        var random = new Random(seed);
        var values = new float[n];
        for (var i = 0; i < n; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-6, 6)));
        return values;
    }

    [Fact]
    public void Float32RoundTripsBitExactly()
    {
        var path = _dir.File("f32.safetensors");
        var w = Values(6 * 5, 1);
        w[0] = float.NaN; w[1] = float.NegativeInfinity; w[2] = -0f; w[3] = float.Epsilon;
        SafetensorsWriter.Write(path, [SafetensorsTensor.F32("w", [6, 5], w)]);

        using var file = SafetensorsFile.Open(path);
        var info = file.GetInfo("w");
        Assert.Equal(SafetensorsDType.F32, info.DType);
        Assert.Equal([6L, 5L], info.Shape);
        Assert.Equal(30, info.ElementCount);
        Assert.Equal(MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), MemoryMarshal.AsBytes(file.ReadFloat32("w").AsSpan()).ToArray());
    }

    [Fact]
    public void Float16IsWrittenRoundedToNearestEvenAndReadExactly()
    {
        var path = _dir.File("f16.safetensors");
        // 1 + 2^-11 is halfway between 1 and the next half, 1 + 3*2^-11 halfway between odd and even mantissas.
        float[] w = [1 + MathF.Pow(2, -11), 1 + 3 * MathF.Pow(2, -11), 65520f, 1e-8f, float.NaN, -2.5f];
        SafetensorsWriter.Write(path, [SafetensorsTensor.F16("w", [6], w)]);

        using var file = SafetensorsFile.Open(path);
        var read = file.ReadFloat32("w");
        Assert.Equal(1f, read[0]);
        Assert.Equal(1 + 4 * MathF.Pow(2, -11), read[1]);
        Assert.Equal(float.PositiveInfinity, read[2]);
        Assert.Equal(0f, read[3]);
        Assert.True(float.IsNaN(read[4]));
        Assert.Equal(-2.5f, read[5]);
        var more = Values(1000, 2);
        SafetensorsWriter.Write(path, [SafetensorsTensor.F16("v", [1000], more)]);
        using var again = SafetensorsFile.Open(path);
        Assert.Equal(more.Select(x => (float)(Half)x), again.ReadFloat32("v"));
    }

    [Fact]
    public void BFloat16IsWrittenRoundedToNearestEvenAndReadExactly()
    {
        var path = _dir.File("bf16.safetensors");
        // bf16 keeps 7 mantissa bits: 1 + 2^-8 is a tie to the even 1, 1 + 3*2^-8 a tie to the even 1 + 2^-6.
        float[] w = [1 + MathF.Pow(2, -8), 1 + 3 * MathF.Pow(2, -8), 1 + 1.5f * MathF.Pow(2, -8), float.MaxValue, float.NaN, -0f, 3f];
        SafetensorsWriter.Write(path, [SafetensorsTensor.BF16("w", [7], w)]);

        using var file = SafetensorsFile.Open(path);
        var read = file.ReadFloat32("w");
        Assert.Equal(1f, read[0]);
        Assert.Equal(1 + MathF.Pow(2, -6), read[1]);
        Assert.Equal(1 + MathF.Pow(2, -7), read[2]);
        Assert.Equal(float.PositiveInfinity, read[3]);
        Assert.True(float.IsNaN(read[4]));
        Assert.True(read[5] == 0 && float.IsNegative(read[5]));
        Assert.Equal(3f, read[6]);
    }

    [Fact]
    public void TensorsLargerThanOneConversionChunkRoundTrip()
    {
        // The writer converts 2^16 elements per step and the reader 2^24: this crosses both boundaries.
        const int N = (1 << 24) + 17;
        using var shm = TempDirectory.InMemory();
        var path = shm.File("large.safetensors");
        var w = new float[N];
        for (var i = 0; i < N; i++) w[i] = (i % 1000 - 500) * 0.001953125f + i * 1e-7f;
        SafetensorsWriter.Write(path, [SafetensorsTensor.BF16("b", [N], w), SafetensorsTensor.F16("h", [70_001], w.AsMemory(0, 70_001))]);

        using var file = SafetensorsFile.Open(path);
        var b = file.ReadFloat32("b");
        for (var i = 0; i < N; i++)
            if (BitConverter.SingleToUInt32Bits(b[i]) != (uint)BFloat16.FromSingle(w[i]) << 16)
                Assert.Fail($"b[{i}] = {b[i]:R}, expected the bf16 rounding of {w[i]:R}");
        var h = file.ReadFloat32("h");
        for (var i = 0; i < h.Length; i++)
            if (h[i] != (float)(Half)w[i]) Assert.Fail($"h[{i}] = {h[i]:R}, expected the f16 rounding of {w[i]:R}");
    }

    [Fact]
    public void BFloat16NarrowingMatchesTheScalarRoundingAtEveryTailLength()
    {
        float[] special = [float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -0f, float.Epsilon,
            1 + MathF.Pow(2, -8), 1 + 3 * MathF.Pow(2, -8), BitConverter.Int32BitsToSingle(0x7F800001), BitConverter.Int32BitsToSingle(0x7FFF8000)];
        var random = new Random(3);
        for (var n = 0; n <= 100; n++)
        {
            var src = new float[n];
            for (var i = 0; i < n; i++)
                src[i] = i % 3 == 0 ? special[random.Next(special.Length)] : BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            var dst = new ushort[n];
            BFloat16.FromSingle(src, dst);
            for (var i = 0; i < n; i++)
                Assert.True(BFloat16.FromSingle(src[i]) == dst[i], $"n={n} i={i}: 0x{BitConverter.SingleToUInt32Bits(src[i]):X8} -> 0x{dst[i]:X4}, scalar 0x{BFloat16.FromSingle(src[i]):X4}");
        }
        Assert.Equal(0x7FC0, BFloat16.FromSingle(BitConverter.Int32BitsToSingle(0x7F800001)));
        Assert.Equal(0x8000, BFloat16.FromSingle(-0f));
    }

    [Fact]
    public void BFloat16WideningMatchesTheScalarDefinitionAtEveryTailLength()
    {
        for (var n = 0; n <= 100; n++)
        {
            var src = new ushort[n];
            for (var i = 0; i < n; i++) src[i] = (ushort)(i * 2654435761u >> 16);
            var dst = new float[n];
            BFloat16.ToSingle(src, dst);
            for (var i = 0; i < n; i++)
                Assert.Equal((uint)src[i] << 16, BitConverter.SingleToUInt32Bits(dst[i]));
        }
    }

    [Fact]
    public void Float64AndIntegersRoundTrip()
    {
        var path = _dir.File("mixed.safetensors");
        double[] d = [Math.PI, -1e300, 1e-300, 0.1];
        long[] l = [long.MinValue, -1, 0, 1, long.MaxValue, 1L << 40];
        int[] i32 = [int.MinValue, -7, 0, int.MaxValue];
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.F64("d", [2, 2], d),
            SafetensorsTensor.I64("l", [3, 2], l),
            SafetensorsTensor.I32("i", [4], i32),
        ]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(d.Select(x => (float)x), file.ReadFloat32("d"));
        Assert.Equal(MemoryMarshal.AsBytes(d.AsSpan()).ToArray(), file.GetBytes("d").ToArray());
        Assert.Equal(l, file.ReadInt64("l"));
        Assert.Equal(i32.Select(x => (long)x), file.ReadInt64("i"));
        Assert.Equal(SafetensorsDType.I32, file.Tensors["i"].DType);
    }

    [Fact]
    public void EveryDTypeRoundTripsAsRawBytes()
    {
        var path = _dir.File("raw.safetensors");
        var tensors = SafetensorsDTypes.All.Select((dtype, k) =>
        {
            var bytes = new byte[3 * 2 * dtype.ByteSize()];
            for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)(k * 31 + i * 7);
            return SafetensorsTensor.Raw("t." + dtype, dtype, [3, 2], bytes);
        }).ToList();
        SafetensorsWriter.Write(path, tensors);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(SafetensorsDTypes.All.Count, file.Tensors.Count);
        foreach (var dtype in SafetensorsDTypes.All)
        {
            var info = file.GetInfo("t." + dtype);
            Assert.Equal(dtype, info.DType);
            Assert.Equal([3L, 2L], info.Shape);
            Assert.Equal(0, info.Begin % dtype.ByteSize());
            var expected = new byte[3 * 2 * dtype.ByteSize()];
            for (var i = 0; i < expected.Length; i++) expected[i] = (byte)((int)dtype * 31 + i * 7);
            Assert.Equal(expected, file.GetBytes("t." + dtype).ToArray());
        }
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }.Select(i => (long)(byte)((int)SafetensorsDType.U8 * 31 + i * 7)), file.ReadInt64("t.U8"));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }.Select(i => (long)(sbyte)(byte)((int)SafetensorsDType.I8 * 31 + i * 7)), file.ReadInt64("t.I8"));
    }

    [Fact]
    public void MetadataScalarsAndEmptyTensorsRoundTrip()
    {
        var path = _dir.File("meta.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcødé \"quoted\" \n line" };
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.F32("scalar", [], new[] { 4.5f }),
            SafetensorsTensor.F32("empty", [0, 3], Array.Empty<float>()),
            SafetensorsTensor.BF16("also.empty", [2, 0], Array.Empty<float>()),
        ], metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal([4.5f], file.ReadFloat32("scalar"));
        Assert.Empty(file.GetInfo("scalar").Shape);
        Assert.Empty(file.ReadFloat32("empty"));
        Assert.Empty(file.ReadFloat32("also.empty"));
        Assert.Equal(0, file.GetInfo("empty").ElementCount);
    }

    [Fact]
    public void AFileWithoutTensorsRoundTrips()
    {
        var path = _dir.File("none.safetensors");
        SafetensorsWriter.Write(path, []);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
        Assert.Equal(0, file.DataLength);
    }

    [Fact]
    public void WriterPadsTheHeaderAlignsTensorsAndTilesTheData()
    {
        var path = _dir.File("layout.safetensors");
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.Raw("b", SafetensorsDType.U8, [3], new byte[] { 1, 2, 3 }),
            SafetensorsTensor.BF16("h", [3], new[] { 1f, 2f, 3f }),
            SafetensorsTensor.F32("a", [1], new[] { 1f }),
            SafetensorsTensor.I64("z", [1], [9L]),
        ]);

        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal((byte)'{', bytes[8]);
        using var file = SafetensorsFile.Open(path);
        // Larger elements first, given order within one size: every tensor is aligned to its element size.
        Assert.Equal(["z", "a", "h", "b"], file.Tensors.Values.OrderBy(t => t.Begin).Select(t => t.Name));
        foreach (var t in file.Tensors.Values) Assert.Equal(0, (8 + headerLength + t.Begin) % t.DType.ByteSize());
        Assert.Equal(bytes.Length - 8 - headerLength, file.Tensors.Values.Sum(t => t.ByteLength));
    }

    [Fact]
    public void WriteReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        var path = _dir.File("model.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.F32("old", [1], new[] { 1f })]);
        SafetensorsWriter.Write(path, [SafetensorsTensor.F32("new", [2], new[] { 2f, 3f })]);

        using var file = SafetensorsFile.Open(path);
        Assert.False(file.Contains("old"));
        Assert.Equal([2f, 3f], file.ReadFloat32("new"));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriterRefusesBadTensorsAndLeavesNoFile()
    {
        var path = _dir.File("bad.safetensors");
        var twice = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [
            SafetensorsTensor.F32("w", [1], new[] { 1f }), SafetensorsTensor.F32("w", [1], new[] { 2f })]));
        Assert.Contains($"{path}: tensor 'w' is given twice", twice.Message);
        var shape = Assert.Throws<ArgumentException>(() => SafetensorsTensor.F32("w", [2, 3], new float[5]));
        Assert.Contains("tensor 'w': shape [2, 3] has 6 elements", shape.Message);
        Assert.Contains("5 floats", shape.Message);
        var bytes = Assert.Throws<ArgumentException>(() => SafetensorsTensor.Raw("r", SafetensorsDType.I16, [3], new byte[5]));
        Assert.Contains("(6 bytes as I16) but the data holds 5 bytes", bytes.Message);
        Assert.Throws<ArgumentException>(() => SafetensorsTensor.F32("w", [-1], new float[1]));
        Assert.Throws<ArgumentException>(() => SafetensorsTensor.F32("__metadata__", [1], new float[1]));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void ReadingNamesTheFileAndTheTensorWhenTheRequestDoesNotFit()
    {
        var path = _dir.File("model.safetensors");
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.F32("h.0.attn.c_attn.weight", [2, 3], new float[6]),
            SafetensorsTensor.F32("h.0.attn.c_proj.weight", [1], new float[1]),
            SafetensorsTensor.I64("ids", [2], [1L, 2L]),
        ]);
        using var file = SafetensorsFile.Open(path);

        var missing = Assert.Throws<SafetensorsFormatException>(() => file.ReadFloat32("transformer.h.0.attn.c_attn.weight"));
        Assert.StartsWith($"{path}: tensor 'transformer.h.0.attn.c_attn.weight' is not in the file; it has 3 tensors, e.g. 'h.0.attn.c_attn.weight'", missing.Message);
        Assert.Equal("transformer.h.0.attn.c_attn.weight", missing.TensorName);

        var dtype = Assert.Throws<SafetensorsFormatException>(() => file.ReadFloat32("ids"));
        Assert.Equal($"{path}: tensor 'ids' has dtype I64; ReadFloat32 reads F32, F16, BF16 and F64", dtype.Message);
        var ints = Assert.Throws<SafetensorsFormatException>(() => file.ReadInt64("h.0.attn.c_proj.weight"));
        Assert.Contains("tensor 'h.0.attn.c_proj.weight' has dtype F32; ReadInt64 reads", ints.Message);

        var shape = Assert.Throws<SafetensorsFormatException>(() => file.ExpectShape("h.0.attn.c_attn.weight", 3, 2));
        Assert.Equal($"{path}: tensor 'h.0.attn.c_attn.weight' has shape [2, 3], expected [3, 2]", shape.Message);
        Assert.Same(file.GetInfo("ids"), file.ExpectShape("ids", 2));

        var destination = Assert.Throws<ArgumentException>(() => file.ReadFloat32("h.0.attn.c_attn.weight", new float[5]));
        Assert.Contains($"{path}: tensor 'h.0.attn.c_attn.weight' has shape [2, 3] (6 elements) but the destination holds 5 floats", destination.Message);
    }

    [Fact]
    public void ReadingAfterDisposeThrows()
    {
        var path = _dir.File("d.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.F32("w", [1], new[] { 1f })]);
        var file = SafetensorsFile.Open(path);
        file.Dispose();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloat32("w"));
    }
}
