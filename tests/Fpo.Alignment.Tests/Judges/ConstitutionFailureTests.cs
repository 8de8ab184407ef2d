using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>A scoring rule that throws on some response: the judge abstains (counted), it neither crashes nor labels.</summary>
public sealed class ConstitutionFailureTests
{
    private sealed class ThrowsOnQuote : IScoringFunction
    {
        public double Score(string context, string response) =>
            response.Contains('"', StringComparison.Ordinal) ? throw new IndexOutOfRangeException("lone quote") : 0.5;
    }

    [Fact]
    public async Task APrincipleThatThrowsBecomesAnAbstention()
    {
        var judge = new ConstitutionJudge([new Principle("fragile", 1, new ThrowsOnQuote()), new Principle("finished", 1, new CompleteSentenceScore())]);
        var failed = await judge.JudgeAsync(new JudgeRequest("Ann met Bo.", "Ann said \"hi", "They smiled."), TestContext.Current.CancellationToken);
        Assert.False(failed.IsLabel);
        Assert.Equal(AbstentionReason.CallFailed, failed.Abstention);
        Assert.Contains("lone quote", failed.Detail, StringComparison.Ordinal);
        var labelled = await judge.JudgeAsync(new JudgeRequest("Ann met Bo.", "They smiled.", "They smiled and"), TestContext.Current.CancellationToken);
        Assert.True(labelled.ProbabilityA > 0.5);
    }
}
