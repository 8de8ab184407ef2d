using Fpo.Alignment.Judges;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Embedded;
using Fpo.Grains.Roles;
using Fpo.Grains.Tests.Embedded;

namespace Fpo.Grains.Tests.Cluster;

public sealed class RunAssetsTests : RunFolder
{
    [Fact]
    public async Task Assets_published_with_snapshot_0_load_in_another_silo_as_they_were()
    {
        var source = TinySilo.Source();
        await using var stores = EmbeddedRunStores.Open(Path.Combine(Folder, "run"));
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, RunAssets.Files(source), [], 0), Ct);

        var loaded = RunAssets.Load(await stores.Snapshots.GetAsync(0, Ct), Path.Combine(Folder, "silo"));

        var sent = source.Assets;
        Assert.Equal(sent.InitialPolicy.Parameters, loaded.InitialPolicy.Parameters);
        Assert.Equal(sent.InitialPolicy.Config.Layers, loaded.InitialPolicy.Config.Layers);
        Assert.Equal(sent.Tokenizer.Encode("the cat 7 sat on the mat"), loaded.Tokenizer.Encode("the cat 7 sat on the mat"));
        Assert.Equal(sent.Sae!.EncoderWeight, loaded.Sae!.EncoderWeight);
        Assert.Equal(sent.Sae.DecoderWeight, loaded.Sae.DecoderWeight);
        Assert.Equal("tiny-sae", Path.GetFileName(loaded.SaeDir));
        Assert.Equal(sent.TrainPrompts, loaded.TrainPrompts);
        Assert.Equal(sent.HeldOutPrompts, loaded.HeldOutPrompts);
        Assert.Equal("short", loaded.Judge.Name);
        var verdict = await loaded.Judge.JudgeAsync(new JudgeRequest("p", "cat", "the cat sat on the mat"), Ct);
        Assert.True(verdict.ProbabilityA > 0.5, "the shipped judge prefers the one-word response, as the sent one does");
        Assert.Equal(sent.Tokenizer.Encode("a dog"), loaded.PromptEncoder("a dog"));
    }

    [Fact]
    public async Task Prompts_of_the_built_in_task_keep_their_end_of_text_first_encoding()
    {
        await using var stores = EmbeddedRunStores.Open(Path.Combine(Folder, "run"));
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, RunAssets.Files(TinySilo.Source() with { PromptsStartWithEndOfText = true }), [], 0), Ct);

        var loaded = RunAssets.Load(await stores.Snapshots.GetAsync(0, Ct), Path.Combine(Folder, "silo"));

        Assert.Equal([loaded.Tokenizer.EosTokenId!.Value, .. loaded.Tokenizer.Encode("a dog")], loaded.PromptEncoder("a dog"));
    }

    [Fact]
    public async Task A_snapshot_0_without_assets_is_refused_with_what_starts_a_cluster_run()
    {
        await using var stores = EmbeddedRunStores.Open(Path.Combine(Folder, "run"));
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, PolicySnapshot.Files(TinyLoop.Assets().InitialPolicy), [], 0), Ct);

        var initial = await stores.Snapshots.GetAsync(0, Ct);
        var e = Assert.Throws<InvalidDataException>(() => RunAssets.Load(initial, Path.Combine(Folder, "silo")));

        Assert.Contains("snapshot 0 holds no run assets (run-assets.json)", e.Message);
        Assert.Contains("trainer silo", e.Message);
    }
}
