using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Tasks;
using Fpo.Testing;

namespace Fpo.Alignment.Tests.Tasks;

/// <summary>silo-config/judges/stories.yaml against the generator: it prefers each story's clean continuation over
/// every flawed version of it, confidently (beyond its abstention margin).</summary>
public sealed class StoriesJudgeTests
{
    private static readonly string YamlPath = Path.Combine(RepoPaths.Root, "silo-config", "judges", "stories.yaml");
    private static readonly ConstitutionJudge Judge = ConstitutionFile.Load(YamlPath);
    private static readonly StoryGenerator Generator = new(new StoryGeneratorSettings { Seed = 11 });

    [Fact]
    public void TheBuiltInCopyIsTheRepositoryFile() =>
        Assert.Equal(File.ReadAllText(YamlPath), StoryTask.Constitution());

    [Theory]
    [InlineData(StoryFlaws.Repetition)]
    [InlineData(StoryFlaws.Harsh)]
    [InlineData(StoryFlaws.Unfinished)]
    [InlineData(StoryFlaws.OffTopic)]
    [InlineData(StoryFlaws.Repetition | StoryFlaws.Harsh | StoryFlaws.Unfinished | StoryFlaws.OffTopic)]
    public void PrefersTheCleanContinuationConfidently(StoryFlaws flaw)
    {
        const int N = 400;
        var (confident, worstP, worst) = CleanVersusFlawed.Compare(Judge, Generator, flaw, N);
        Assert.True(confident >= 0.95 * N, $"{flaw}: confident preference in {confident}/{N}; least confident P={worstP:F3}:\n{worst}");
    }
}
