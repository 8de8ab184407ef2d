using System.Runtime.InteropServices;
using Fpo.Models.Checkpoints;
using Fpo.Testing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>
/// Our fp32 -> bfloat16 rounding against torch's `.to(torch.bfloat16)` on the values tests/reference/bfloat16_snapshot.py
/// writes: normals from 1e-30 to 1e30, exact ties, ±0, subnormals, the largest finite values, values that round to
/// infinity, ±inf and NaN. Bit-exact, except that a NaN only has to stay a NaN (torch writes 0xFFFF, we keep the
/// input's sign and payload and set the quiet bit).
/// </summary>
public sealed class BFloat16PyTorchTests(ITestOutputHelper output) : IDisposable
{
    private readonly SafetensorsFile _file = GoldenFile.Open("bfloat16_rounding.safetensors");

    public void Dispose() => _file.Dispose();

    [Fact]
    public void Narrowing_rounds_every_value_to_the_bits_torch_rounds_it_to()
    {
        var values = _file.ReadFloat32("values");
        var torch = MemoryMarshal.Cast<byte, ushort>(_file.GetBytes("values.bf16")).ToArray();
        var vectorized = new ushort[values.Length];
        BFloat16.FromSingle(values, vectorized);

        int nans = 0, infinities = 0, subnormals = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var scalar = BFloat16.FromSingle(values[i]);
            Assert.Equal(scalar, vectorized[i]);
            var widened = BitConverter.Int32BitsToSingle(scalar << 16);
            if (float.IsNaN(values[i]))
            {
                nans++;
                Assert.True(float.IsNaN(widened) && float.IsNaN(BitConverter.Int32BitsToSingle(torch[i] << 16)), $"values[{i}] is NaN: ours 0x{scalar:X4}, torch 0x{torch[i]:X4}");
                continue;
            }
            if (float.IsInfinity(widened)) infinities++;
            if (float.IsSubnormal(widened)) subnormals++;
            Assert.True(torch[i] == scalar, $"values[{i}] = {values[i]:R} (0x{BitConverter.SingleToUInt32Bits(values[i]):X8}): torch 0x{torch[i]:X4}, ours 0x{scalar:X4}");
        }
        output.WriteLine($"{values.Length} values: bit-equal to torch, {nans} NaN (both NaN), {infinities} rounded to or kept at ±inf, {subnormals} subnormal results");
        Assert.True(infinities >= 6 && subnormals >= 3 && nans == 1, "the golden values lost their edge cases");
    }

    [Fact]
    public void Widening_is_exact_like_torch()
    {
        var widened = new float[_file.Tensors["values.bf16"].ElementCount];
        BFloat16.ToSingle(MemoryMarshal.Cast<byte, ushort>(_file.GetBytes("values.bf16")), widened);
        var torch = _file.ReadFloat32("values.bf16.as_f32");
        Assert.Equal(torch.Select(BitConverter.SingleToUInt32Bits), widened.Select(BitConverter.SingleToUInt32Bits));
    }
}
