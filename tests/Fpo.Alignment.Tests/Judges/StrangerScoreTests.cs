using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>StrangerScore: names in the response that the context never mentions, as a fraction of its names.</summary>
public sealed class StrangerScoreTests
{
    private const string Context = "One day at the park, Mia and Tom played.";

    [Fact]
    public void NamesAreMidSentenceCapitalsAndSpeakers()
    {
        Assert.Equal(["Ivy", "Tom", "Zed"], StrangerScore.Names("Mia ran to Tom. Then Zed came.\nIvy: Hello there."));
        // Words capitalised because they open a sentence or a quotation are not names.
        Assert.Empty(StrangerScore.Names("They said, \"Let us go.\" It was late! Yes: Now we go."));
        // A lone quote mark keeps the sentence state of the word before it.
        Assert.Equal(["Zed"], StrangerScore.Names("It was late. \" Then Zed \" came."));
    }

    [Theory]
    [InlineData("Mia hugged Tom and they smiled.", 0)]
    [InlineData("They played until dinner.", 0)]
    [InlineData("Mia waved, and then Zed and Ivy came over to Tom.", -2 / 3.0)]
    [InlineData("Soon Zed and Ivy were friends.", -1)]
    [InlineData("\nZed: Hi, Mia.\nMia: Hello.", -1 / 2.0)]
    public void ScoreIsMinusTheStrangersShare(string response, double expected) =>
        Assert.Equal(expected, new StrangerScore().Score(Context, response), 12);

    [Fact]
    public void TheConstitutionFileReadsIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"strangers-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "kind: constitution\nprinciples:\n  - name: no-strangers\n    strangers: {}\n");
        try
        {
            var judge = ConstitutionFile.Load(path);
            Assert.IsType<StrangerScore>(judge.Principles.Single().Function);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
