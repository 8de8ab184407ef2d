using Fpo.Grains.Roles;
using Fpo.Grains.Stores;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Grains.Tests.Roles;

/// <summary>Snapshot files in memory: F32 is the checkpoint's own file, BF16 its rounding, and loading checks the shape.</summary>
public sealed class PolicySnapshotTests
{
    private static readonly ModelConfig Config = ModelConfig.CreateGpt2(97, 32, layers: 2, channels: 64, heads: 4);

    internal static SnapshotContent Content(long version, Dictionary<string, byte[]> files) =>
        new(new SnapshotInfo(version, SnapshotContent.ComputeSha256(files), files.Values.Sum(f => f.LongLength), DateTimeOffset.UnixEpoch, version, 0, ""), files);

    [Fact]
    public void F32_files_are_byte_for_byte_the_file_the_checkpoint_writer_saves()
    {
        var policy = new TransformerModel(Config, seed: 3);
        var dir = Directory.CreateTempSubdirectory("fpo-snapshot-test-").FullName;
        try
        {
            HuggingFaceCheckpoint.Save(dir, policy);
            var saved = File.ReadAllBytes(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile));
            var files = PolicySnapshot.Files(policy);
            Assert.Equal([PolicySnapshot.WeightsFile], files.Keys);
            Assert.Equal(saved, files[PolicySnapshot.WeightsFile]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void F32_round_trip_restores_every_parameter_bit()
    {
        var policy = new TransformerModel(Config, seed: 4);
        var into = new TransformerModel(Config, seed: 5);
        PolicySnapshot.Load(Content(1, PolicySnapshot.Files(policy)), into);
        Assert.Equal(policy.Parameters, into.Parameters);
    }

    [Fact]
    public void BF16_files_hold_half_the_bytes_and_load_as_each_parameter_rounded_to_bfloat16()
    {
        var policy = new TransformerModel(Config, seed: 6);
        var f32 = PolicySnapshot.Files(policy)[PolicySnapshot.WeightsFile];
        var bf16 = PolicySnapshot.Files(policy, SnapshotDType.BF16)[PolicySnapshot.WeightsFile];
        var into = new TransformerModel(Config, seed: 7);

        PolicySnapshot.Load(Content(2, new() { [PolicySnapshot.WeightsFile] = bf16 }), into);

        // (header differs only in the dtype strings) + 2 bytes per parameter instead of 4
        Assert.InRange(f32.Length - bf16.Length, 2L * policy.Parameters.Length - 64 * 8, 2L * policy.Parameters.Length + 64 * 8);
        var expected = policy.Parameters.Select(p => BitConverter.Int32BitsToSingle(BFloat16.FromSingle(p) << 16)).ToArray();
        Assert.Equal(expected, into.Parameters);
        Assert.NotEqual(policy.Parameters, into.Parameters);
        Assert.Equal(SnapshotDType.BF16, PolicySnapshot.DTypeOf(Content(2, new() { [PolicySnapshot.WeightsFile] = bf16 })));
        Assert.Equal(SnapshotDType.F32, PolicySnapshot.DTypeOf(Content(2, new() { [PolicySnapshot.WeightsFile] = f32 })));
    }

    [Fact]
    public void A_snapshot_of_another_shape_is_refused_naming_its_version_and_leaves_the_replica_untouched()
    {
        var other = new TransformerModel(ModelConfig.CreateGpt2(97, 32, layers: 2, channels: 32, heads: 4), seed: 1);
        var into = new TransformerModel(Config, seed: 8);
        var before = (float[])into.Parameters.Clone();

        var e = Assert.Throws<InvalidDataException>(() => PolicySnapshot.Load(Content(9, PolicySnapshot.Files(other, SnapshotDType.BF16)), into));

        Assert.StartsWith("snapshot 9: its weights do not fit the run's model", e.Message);
        Assert.Contains("wte.weight' has shape [97, 32], config expects [97, 64]", e.Message);
        Assert.Equal(before, into.Parameters);
    }

    [Fact]
    public void A_snapshot_without_weights_or_with_garbage_weights_is_refused_naming_its_version()
    {
        var into = new TransformerModel(Config, seed: 8);
        var missing = Assert.Throws<InvalidDataException>(() => PolicySnapshot.Load(Content(4, new() { ["other.bin"] = [1] }), into));
        Assert.Equal("snapshot 4: no model.safetensors among its files (other.bin)", missing.Message);
        var garbage = Assert.Throws<InvalidDataException>(() => PolicySnapshot.Load(Content(5, new() { [PolicySnapshot.WeightsFile] = [1, 2, 3] }), into));
        Assert.StartsWith("snapshot 5: its weights do not fit the run's model (model.safetensors of snapshot 5: file has 3 bytes", garbage.Message);
    }
}
