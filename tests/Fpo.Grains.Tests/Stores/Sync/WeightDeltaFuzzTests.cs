using System.Buffers.Binary;
using System.Diagnostics;
using Fpo.Grains.Stores.Sync;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Stores.Sync;

/// <summary>
/// Hostile deltas: every damaged one is refused with <see cref="InvalidDataException"/> (its header is checked against
/// the real lengths, its frames against zstd's checksum) — never another exception, a hang or a large allocation.
/// A damaged delta that still decodes must decode to the right bytes; none is expected to, and the test says so.
/// </summary>
public sealed class WeightDeltaFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(2);

    // Two chunks (the second short), BF16 width, realistic content.
    private static readonly (byte[] Previous, byte[] Current, byte[] Delta) Sample = MakeSample();

    private static (byte[], byte[], byte[]) MakeSample()
    {
        var (before, after) = AdamStepData.Weights((4 << 20) / 2 + 3001, 1e-4f, seed: 7);
        var previous = AdamStepData.BF16Bytes(before);
        var current = AdamStepData.BF16Bytes(after);
        return (previous, current, WeightDelta.Encode(previous, current, 2));
    }

    private static int HeaderLength(byte[] delta) => 20 + 8 * BinaryPrimitives.ReadInt32LittleEndian(delta.AsSpan(16));

    // Refused, or (counted) decoded to exactly the current version; anything else fails the test.
    private static bool Refused(byte[] previous, byte[] delta, byte[] current, string what)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = WeightDelta.Apply(previous, delta);
            Assert.True(result.AsSpan().SequenceEqual(current), $"{what}: decoded to other bytes without an error");
            return false;
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith("weight delta: ", e.Message);
            return true;
        }
        finally
        {
            Assert.True(clock.Elapsed < PerCase, $"{what}: took {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    [Fact]
    public void A_delta_truncated_at_any_header_byte_or_anywhere_in_its_frames_is_refused()
    {
        var (previous, current, delta) = Sample;
        var cuts = Enumerable.Range(0, HeaderLength(delta) + 1).Concat(Enumerable.Range(0, 200).Select(_ => Random.Shared.Next(delta.Length))).ToList();
        foreach (var cut in cuts)
            Assert.True(Refused(previous, delta[..cut], current, $"cut at {cut}"), $"a delta cut at byte {cut} of {delta.Length} was accepted");
        output.WriteLine($"{cuts.Count} truncations of a {delta.Length}-byte delta (header {HeaderLength(delta)} bytes): all refused");
    }

    [Fact]
    public void Flipped_bits_anywhere_are_refused_by_the_header_checks_or_the_frame_checksums()
    {
        var (previous, current, delta) = Sample;
        var random = new Random(11);
        var positions = Enumerable.Range(0, HeaderLength(delta)).Concat(Enumerable.Range(0, 400).Select(_ => random.Next(delta.Length)));
        int refused = 0, intact = 0;
        foreach (var at in positions)
        {
            var damaged = (byte[])delta.Clone();
            damaged[at] ^= (byte)(1 << random.Next(8));
            if (Refused(previous, damaged, current, $"bit flipped at byte {at}")) refused++;
            else intact++;
        }
        output.WriteLine($"bit flips: {refused} refused, {intact} decoded to the right bytes anyway, 0 to other bytes");
        Assert.True(refused >= HeaderLength(delta), "every header flip must be refused");
    }

    [Fact]
    public void Random_garbage_with_or_without_a_valid_magic_is_refused()
    {
        var random = new Random(12);
        var previous = Sample.Previous.AsSpan(0, 10_000).ToArray();
        for (var i = 0; i < 300; i++)
        {
            var garbage = new byte[random.Next(0, 5000)];
            random.NextBytes(garbage);
            if (i % 2 == 1 && garbage.Length >= 8)
            {
                "FPWD"u8.CopyTo(garbage);
                BinaryPrimitives.WriteUInt16LittleEndian(garbage.AsSpan(4), 1);
                garbage[6] = 2;
                garbage[7] = 0;
            }
            Assert.True(Refused(previous, garbage, [], $"garbage {i}"), $"garbage {i} of {garbage.Length} bytes was accepted");
        }
    }

    [Theory]
    [InlineData("total", "it encodes 9223372036854775807 bytes but the previous version has 10000")]
    [InlineData("count", "4294967295 chunks, but 10000 bytes make 1 chunks of 4194304 bytes")]
    [InlineData("compressed", "chunk 0 claims 4294967295 compressed bytes")]
    [InlineData("raw", "chunk 0 claims 4294967295 raw bytes, expected 10000")]
    [InlineData("width", "element width 255; widths are 1, 2, 4 or 8 bytes")]
    [InlineData("version", "format version 65535; this reader knows version 1")]
    public void Huge_claims_are_refused_before_anything_is_allocated_from_them(string field, string message)
    {
        var previous = Sample.Previous.AsSpan(0, 10_000).ToArray();
        var delta = WeightDelta.Encode(previous, Sample.Current.AsSpan(0, 10_000), 2);
        switch (field)
        {
            case "total": BinaryPrimitives.WriteInt64LittleEndian(delta.AsSpan(8), long.MaxValue); break;
            case "count": BinaryPrimitives.WriteUInt32LittleEndian(delta.AsSpan(16), uint.MaxValue); break;
            case "compressed": BinaryPrimitives.WriteUInt32LittleEndian(delta.AsSpan(20), uint.MaxValue); break;
            case "raw": BinaryPrimitives.WriteUInt32LittleEndian(delta.AsSpan(24), uint.MaxValue); break;
            case "width": delta[6] = 255; break;
            case "version": BinaryPrimitives.WriteUInt16LittleEndian(delta.AsSpan(4), ushort.MaxValue); break;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => WeightDelta.Apply(previous, delta));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Contains(message, e.Message);
        Assert.True(allocated < 64 << 10, $"{allocated} bytes allocated refusing a delta of {delta.Length} bytes");
    }

    [Fact]
    public void A_frame_that_decompresses_to_fewer_bytes_than_its_chunk_is_refused_naming_the_chunk()
    {
        var previous = new byte[1000];
        var delta = WeightDelta.Encode(previous, new byte[1000], 4);
        // The same frame under a header for a longer version: the one frame now stands for more raw bytes than it holds.
        var longer = WeightDelta.Encode(new byte[2000], new byte[2000], 4);
        var forged = longer[..20].Concat(BitConverter.GetBytes(delta.Length - 28)).Concat(BitConverter.GetBytes(2000)).Concat(delta[28..]).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => WeightDelta.Apply(new byte[2000], forged));
        Assert.StartsWith("weight delta: chunk 0's zstd frame", e.Message);
    }
}
