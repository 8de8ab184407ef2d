using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>All-of needs every member to label the same side; mixture averages whoever labelled.</summary>
public sealed class JudgeCombinatorTests
{
    // Real constitution judges with opposite tastes: one likes "thank you", one likes "stupid".
    private static ConstitutionJudge Likes(string word, string name, double margin = 0.01) =>
        new([new Principle(word, 1, new KeywordScore([word], []))], temperature: 0.5, margin: margin, name: name);

    private static readonly JudgeRequest Request = new("hi", "thank you", "you are stupid");

    private static async Task<double> P(IJudge judge) => (await judge.JudgeAsync(Request, TestContext.Current.CancellationToken)).ProbabilityA!.Value;

    [Fact]
    public async Task AllOfLabelsWhenEveryMemberAgreesWithTheMean()
    {
        IJudge polite = Likes("thank you", "polite"), alsoPolite = Likes("thank", "also");
        var combined = new JudgeCombinator(CombinationMode.AllOf, [(polite, 1), (alsoPolite, 5)]);
        var verdict = await combined.JudgeAsync(Request, TestContext.Current.CancellationToken);
        Assert.Equal((await P(polite) + await P(alsoPolite)) / 2, verdict.ProbabilityA!.Value, 12);
        Assert.Equal(1, combined.Counters.Labels);
    }

    [Fact]
    public async Task AllOfAbstainsOnDisagreement()
    {
        var combined = new JudgeCombinator(CombinationMode.AllOf, [(Likes("thank you", "polite"), 1), (Likes("stupid", "rude"), 1)]);
        var verdict = await combined.JudgeAsync(Request, TestContext.Current.CancellationToken);
        Assert.Equal(AbstentionReason.Disagreement, verdict.Abstention);
        Assert.Equal(1, combined.Counters.Abstentions(AbstentionReason.Disagreement));
    }

    [Fact]
    public async Task AllOfPassesOnAMembersAbstention()
    {
        var unsure = Likes("thank you", "unsure", margin: 0.49);
        var combined = new JudgeCombinator(CombinationMode.AllOf, [(Likes("thank you", "polite"), 1), (unsure, 1)]);
        var verdict = await combined.JudgeAsync(Request, TestContext.Current.CancellationToken);
        Assert.Equal(AbstentionReason.LowConfidence, verdict.Abstention);
        Assert.Contains("unsure abstained", verdict.Detail);
    }

    [Fact]
    public async Task MixtureIsTheWeightedMeanOfTheMembersThatLabelled()
    {
        IJudge polite = Likes("thank you", "polite"), rude = Likes("stupid", "rude"), unsure = Likes("thank you", "unsure", margin: 0.49);
        var combined = new JudgeCombinator(CombinationMode.Mixture, [(polite, 3), (rude, 1), (unsure, 10)]);
        var verdict = await combined.JudgeAsync(Request, TestContext.Current.CancellationToken);
        Assert.Equal((3 * await P(polite) + 1 * await P(rude)) / 4, verdict.ProbabilityA!.Value, 12);
    }

    [Fact]
    public async Task MixtureAbstainsOnlyWhenNoMemberLabelled()
    {
        var combined = new JudgeCombinator(CombinationMode.Mixture, [(Likes("thank you", "a", 0.49), 1), (Likes("thank you", "b", 0.49), 1)]);
        Assert.Equal(AbstentionReason.LowConfidence, (await combined.JudgeAsync(Request, TestContext.Current.CancellationToken)).Abstention);
    }
}
