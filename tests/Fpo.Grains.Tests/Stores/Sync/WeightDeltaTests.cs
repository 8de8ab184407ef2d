using Fpo.Grains.Roles;
using Fpo.Grains.Stores.Sync;
using Fpo.Grains.Tests.Roles;
using Fpo.Models.Optimization;
using Fpo.Models.Transformer;
using Fpo.Testing;

namespace Fpo.Grains.Tests.Stores.Sync;

/// <summary>A weight delta applied to the version it was made from gives back the new version, byte for byte.</summary>
public sealed class WeightDeltaTests(ITestOutputHelper output)
{
    private const int Chunk = 4 << 20;

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(7, 4)]
    [InlineData(4099, 4)]
    [InlineData(4099, 2)]
    [InlineData(4099, 8)]
    [InlineData(4099, 1)]
    [InlineData(Chunk + 5, 4)]
    [InlineData(2 * Chunk + 2, 2)]
    public void Random_bytes_of_any_length_round_trip(int length, int width)
    {
        var previous = RandomBytes(length, 1);
        var current = RandomBytes(length, 2);
        var delta = WeightDelta.Encode(previous, current, width);
        Assert.Equal(current, WeightDelta.Apply(previous, delta));
    }

    // An all-zero chunk is a zstd frame of 32 run-length blocks of 128 KiB, about 130 bytes.
    private const int ZeroChunkBytes = 8 + 200;

    [Fact]
    public void Identical_versions_encode_to_a_few_bytes_per_chunk()
    {
        var bytes = RandomBytes(3 * Chunk + 100, 3);
        var delta = WeightDelta.Encode(bytes, bytes, 4);
        output.WriteLine($"identical {bytes.Length} bytes: delta {delta.Length} bytes");
        Assert.True(delta.Length < 20 + 4 * ZeroChunkBytes, $"{delta.Length} bytes for 4 all-zero chunks");
        Assert.Equal(bytes, WeightDelta.Apply(bytes, delta));
    }

    [Fact]
    public void Changes_in_one_chunk_leave_the_others_all_zero()
    {
        var previous = RandomBytes(4 * Chunk, 4);
        var current = (byte[])previous.Clone();
        current[Chunk + 17] ^= 0x5A;
        var delta = WeightDelta.Encode(previous, current, 2);
        Assert.True(delta.Length < 20 + 4 * ZeroChunkBytes, $"{delta.Length} bytes for one changed byte");
        Assert.Equal(current, WeightDelta.Apply(previous, delta));
    }

    [Theory]
    [InlineData("bf16", 2, 2.0)]
    [InlineData("f32", 4, 1.3)]
    public void An_adam_step_of_lr_1e_4_compresses_and_round_trips(string dtype, int width, double minRatio)
    {
        var (before, after) = AdamStepData.Weights(3_000_000, 1e-4f, seed: 5);
        var (previous, current) = width == 2
            ? (AdamStepData.BF16Bytes(before), AdamStepData.BF16Bytes(after))
            : (AdamStepData.F32Bytes(before), AdamStepData.F32Bytes(after));
        var changed = Enumerable.Range(0, previous.Length / width).Count(e => !previous.AsSpan(e * width, width).SequenceEqual(current.AsSpan(e * width, width)));

        var delta = WeightDelta.Encode(previous, current, width);

        var ratio = (double)current.Length / delta.Length;
        output.WriteLine($"{dtype}: {before.Length} weights, {changed} changed, {current.Length} bytes -> delta {delta.Length} bytes, ratio {ratio:F2}");
        Assert.Equal(current, WeightDelta.Apply(previous, delta));
        Assert.True(ratio >= minRatio, $"{dtype}: compression ratio {ratio:F2} < {minRatio}");
        // The planes are what compress: without the shuffle, zstd sees each element's zero high bytes interleaved.
        Assert.True(delta.Length < WeightDelta.Encode(previous, current, 1).Length, "shuffling by width did not help");
    }

    [Theory]
    [InlineData(SnapshotDType.F32)]
    [InlineData(SnapshotDType.BF16)]
    public void Snapshot_files_round_trip_whole_because_their_headers_are_identical_and_8_byte_aligned(SnapshotDType dtype)
    {
        var model = new TransformerModel(ModelConfig.CreateGpt2(97, 32, layers: 2, channels: 64, heads: 4), seed: 9);
        var previous = PolicySnapshot.Files(model, dtype)[PolicySnapshot.WeightsFile];
        StepOnce(model, seed: 10);
        var current = PolicySnapshot.Files(model, dtype)[PolicySnapshot.WeightsFile];

        var delta = WeightDelta.Encode(previous, current, dtype.ElementBytes());

        output.WriteLine($"{dtype} snapshot of {model.Parameters.Length} weights: {current.Length} bytes -> delta {delta.Length} bytes");
        Assert.Equal(current, WeightDelta.Apply(previous, delta));
        var loaded = new TransformerModel(model.Config);
        PolicySnapshot.Load(PolicySnapshotTests.Content(1, new() { [PolicySnapshot.WeightsFile] = WeightDelta.Apply(previous, delta) }), loaded);
        Assert.Equal(PolicySnapshot.Files(loaded, dtype)[PolicySnapshot.WeightsFile], current);
    }

    [Fact]
    public void Encoding_versions_of_different_lengths_or_an_unsupported_width_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => WeightDelta.Encode(new byte[8], new byte[9], 4));
        Assert.StartsWith("previous has 8 bytes, current 9: a weight delta joins two versions of the same length", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightDelta.Encode(new byte[8], new byte[8], 3));
    }

    [Fact]
    public void Applying_to_a_previous_version_of_another_length_is_refused()
    {
        var delta = WeightDelta.Encode(new byte[100], RandomBytes(100, 6), 4);
        var e = Assert.Throws<InvalidDataException>(() => WeightDelta.Apply(new byte[104], delta));
        Assert.Equal("weight delta: it encodes 100 bytes but the previous version has 104; a delta applies only to a version of its own length", e.Message);
    }

    /// <summary>One AdamW step (lr 1e-4 unless given) on random gradients, as the trainer takes between two snapshots.</summary>
    internal static void StepOnce(TransformerModel model, int seed, float learningRate = 1e-4f)
    {
        var random = new Random(seed);
        for (var i = 0; i < model.Gradients.Length; i++) model.Gradients[i] = (float)(random.NextDouble() - 0.5);
        AdamW.For(model, new AdamWSettings()).Step(learningRate);
    }
}
