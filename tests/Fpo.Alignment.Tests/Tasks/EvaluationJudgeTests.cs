using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Tasks;
using Fpo.Testing;

namespace Fpo.Alignment.Tests.Tasks;

/// <summary>silo-config/judges/stories-eval.yaml, the evaluation judge, against the generator: it recognises every
/// prompt's plot, scores a clean story at the top, prefers it over each flawed version and ties two clean ones.</summary>
public sealed class EvaluationJudgeTests(ITestOutputHelper output)
{
    internal static readonly string YamlPath = Path.Combine(RepoPaths.Root, "silo-config", "judges", "stories-eval.yaml");
    internal static readonly ConstitutionJudge Judge = ConstitutionFile.Load(YamlPath);
    private static readonly StoryGenerator Generator = new(new StoryGeneratorSettings { Seed = 23 });

    [Fact]
    public void TheBuiltInCopyIsTheRepositoryFile() =>
        Assert.Equal(File.ReadAllText(YamlPath), StoryTask.EvaluationConstitution());

    [Fact]
    public void EveryCleanStoryScoresTheTopAndTwoCleanStoriesTie()
    {
        for (var i = 0; i < 300; i++)
        {
            var clean = Generator.Sample(i, StoryFlaws.None);
            var score = Judge.Score(clean.Prompt, clean.Continuation);
            Assert.True(score == 3, $"sample {i} scores {score}:\n{clean.Prompt}\n{clean.Continuation}\n" +
                string.Join("\n", StoryPlotScore.Sentences(clean.Continuation).Select(s => $"  {Judge.Score(clean.Prompt, s):F2} [{s}]")));
            var other = Generator.Sample(i + 1000, StoryFlaws.None);
            if (other.Prompt == clean.Prompt) Assert.Equal(0.5, Judge.ProbabilityA(new JudgeRequest(clean.Prompt, clean.Continuation, other.Continuation)));
        }
    }

    [Theory]
    [InlineData(StoryFlaws.Repetition)]
    [InlineData(StoryFlaws.Harsh)]
    [InlineData(StoryFlaws.Unfinished)]
    [InlineData(StoryFlaws.OffTopic)]
    public void PrefersTheCleanContinuationConfidently(StoryFlaws flaw)
    {
        const int N = 300;
        var (confident, worstP, worst) = CleanVersusFlawed.Compare(Judge, Generator, flaw, N);
        output.WriteLine($"{flaw}: confident preference for the clean story in {confident}/{N}");
        Assert.True(confident >= 0.97 * N, $"{flaw}: confident preference in {confident}/{N}; least confident P={worstP:F3}:\n{worst}");
    }

    [Fact]
    public void APromptTheGeneratorCouldNotHaveWrittenScoresNothing()
    {
        Assert.Equal(0, Judge.Score("Write a haiku about the sea.", "The sea is wide. Mia smiled and said thank you."));
        Assert.Equal(0, Judge.Score("", ""));
    }
}
