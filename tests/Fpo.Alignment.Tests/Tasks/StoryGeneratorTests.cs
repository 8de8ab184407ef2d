using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Tasks;

namespace Fpo.Alignment.Tests.Tasks;

/// <summary>The generator: deterministic per seed, varied, flaws at their rates, and each flaw shaped as documented.</summary>
public sealed class StoryGeneratorTests
{
    private static readonly StoryGenerator Generator = new(new StoryGeneratorSettings { Seed = 7 });

    [Fact]
    public void SameSeedGivesSameSamplesAndAnotherSeedOthers()
    {
        var again = new StoryGenerator(new StoryGeneratorSettings { Seed = 7 });
        var other = new StoryGenerator(new StoryGeneratorSettings { Seed = 8 });
        for (var i = 0; i < 50; i++) Assert.Equal(Generator.Sample(i), again.Sample(i));
        Assert.True(Enumerable.Range(0, 50).Count(i => Generator.Sample(i).Text != other.Sample(i).Text) >= 48);
    }

    [Fact]
    public void PromptsAndContinuationsAreVaried()
    {
        var samples = Enumerable.Range(0, 2000).Select(i => Generator.Sample(i)).ToList();
        Assert.True(samples.Select(s => s.Prompt).Distinct().Count() >= 1990, "prompts repeat too often");
        Assert.True(samples.Select(s => s.Continuation).Distinct().Count() >= 1990, "continuations repeat too often");
        var dialogues = samples.Count(s => s.IsDialogue) / 2000.0;
        Assert.InRange(dialogues, 0.30, 0.40);
        // Every name, place and object of the lists turns up.
        var text = string.Concat(samples.Select(s => s.Text));
        Assert.All(new[] { "Rosa", "Omar", "the lighthouse", "tin whistle", "One quiet night" }, w => Assert.Contains(w, text, StringComparison.Ordinal));
    }

    [Fact]
    public void FlawsComeAtTheirRatesIndependently()
    {
        const int N = 4000;
        var flaws = Enumerable.Range(0, N).Select(i => Generator.Sample(i).Flaws).ToList();
        foreach (var f in new[] { StoryFlaws.Repetition, StoryFlaws.Harsh, StoryFlaws.Unfinished, StoryFlaws.OffTopic })
            Assert.InRange(flaws.Count(x => x.HasFlag(f)) / (double)N, 0.13, 0.19);
        // Independent at 0.16 each: about 0.84^4 = 0.50 clean and 4 * 0.16^2 * 0.84^2 ... = 0.11 with two or more.
        Assert.InRange(flaws.Count(x => x == StoryFlaws.None) / (double)N, 0.46, 0.54);
        Assert.InRange(flaws.Count(x => System.Numerics.BitOperations.PopCount((uint)x) >= 2) / (double)N, 0.08, 0.15);
    }

    [Fact]
    public void CleanContinuationsNameTheCharactersAndFinish()
    {
        for (var i = 0; i < 500; i++)
        {
            var s = Generator.Sample(i, StoryFlaws.None);
            var names = EntityMentionScore.Entities(s.Prompt);
            Assert.True(names.Count == 2, $"sample {i}: the prompt should name two characters mid-sentence, found [{string.Join(", ", names)}] in: {s.Prompt}");
            Assert.All(names, n => Assert.Contains(n, s.Continuation, StringComparison.Ordinal));
            Assert.Matches(@"[.!?]""?$", s.Continuation);
            Assert.Equal(s.IsDialogue ? '\n' : ' ', s.Continuation[0]);
        }
    }

    [Fact]
    public void EachFlawChangesWhatItNames()
    {
        for (var i = 0; i < 300; i++)
        {
            var clean = Generator.Sample(i, StoryFlaws.None);
            var names = EntityMentionScore.Entities(clean.Prompt);
            Assert.Equal(clean.Prompt, Generator.Sample(i, StoryFlaws.OffTopic).Prompt);
            Assert.All(names, n => Assert.DoesNotContain(n, Generator.Sample(i, StoryFlaws.OffTopic).Continuation, StringComparison.Ordinal));
            Assert.DoesNotMatch(@"[.!?]""?$", Generator.Sample(i, StoryFlaws.Unfinished).Continuation);
            var separator = clean.IsDialogue ? "\n" : " ";
            var units = Generator.Sample(i, StoryFlaws.Repetition).Continuation.Split(separator, StringSplitOptions.RemoveEmptyEntries);
            Assert.True(units.GroupBy(u => u).Max(g => g.Count()) >= 3, $"sample {i}: no unit repeats three times");
            var harsh = Generator.Sample(i, StoryFlaws.Harsh);
            Assert.NotEqual(clean.Continuation, harsh.Continuation);
            Assert.StartsWith(clean.Continuation[..Math.Min(20, clean.Continuation.Length)], harsh.Continuation, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void InvalidRatesAreRejectedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => new StoryGenerator(new StoryGeneratorSettings { HarshRate = 1.5 }));
        Assert.Contains("harsh rate", e.Message, StringComparison.Ordinal);
    }
}
