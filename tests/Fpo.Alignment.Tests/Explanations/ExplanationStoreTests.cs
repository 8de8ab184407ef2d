using System.Text.Json.Nodes;
using Fpo.Alignment.Explanations;

namespace Fpo.Alignment.Tests.Explanations;

public sealed class ExplanationStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fpo-explanations-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FeatureExplanation Entry(int latent, string text, double? score) =>
        new(latent, text, score, score is null ? "the true activations are constant" : null, "m", new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero), 6, 1);

    [Fact]
    public void SavingMergesWithWhatIsThereAndReplacesARedoneLatent()
    {
        ExplanationStore.Save(_dir, [Entry(7, "sevens", 0.5), Entry(2, "twos", null)]);
        ExplanationStore.Save(_dir, [Entry(7, "sevens again", -0.25), Entry(10, "tens", 1)]);
        var loaded = ExplanationStore.Load(_dir);
        Assert.Equal([2, 7, 10], loaded.Keys);
        Assert.Equal(Entry(7, "sevens again", -0.25), loaded[7]);
        Assert.Equal(Entry(2, "twos", null), loaded[2]);
        Assert.Equal("the true activations are constant", loaded[2].NoScoreReason);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        // Latents are ordered numerically in the file, not as strings ("10" after "7").
        var keys = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, ExplanationStore.FileName)))!["explanations"]!.AsObject().Select(kv => kv.Key);
        Assert.Equal(["2", "7", "10"], keys);
    }

    [Fact]
    public void UnknownTopLevelFieldsSurviveAMerge()
    {
        File.WriteAllText(Path.Combine(_dir, ExplanationStore.FileName), """{"note": "keep me", "explanations": {}}""");
        ExplanationStore.Save(_dir, [Entry(1, "ones", 0.1)]);
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, ExplanationStore.FileName)))!;
        Assert.Equal("keep me", (string?)root["note"]);
        Assert.Single(ExplanationStore.Load(_dir));
    }

    [Fact]
    public void ABrokenFileIsAnErrorNamingIt()
    {
        File.WriteAllText(Path.Combine(_dir, ExplanationStore.FileName), """{"explanations": {"x": {}}}""");
        var e = Assert.Throws<InvalidDataException>(() => ExplanationStore.Load(_dir));
        Assert.Contains("explanations.x: not a latent index", e.Message);
        File.WriteAllText(Path.Combine(_dir, ExplanationStore.FileName), "{");
        Assert.Contains("not valid JSON", Assert.Throws<InvalidDataException>(() => ExplanationStore.Save(_dir, [Entry(1, "a", 0)])).Message);
    }
}
