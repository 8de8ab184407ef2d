using FsCheck;
using FsCheck.Fluent;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>
/// The constitution judge's symmetries over random contexts and responses: swapping A and B gives exactly 1 − p,
/// identical responses abstain, and scaling every weight by c is the same as dividing the temperature by c.
/// </summary>
public sealed class ConstitutionPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true);

    private static readonly string[] Vocabulary =
        ["Paris", "the", "cat", "sat", "42", "thank", "you", "stupid", "great", "not", "helpful", "is", "a", "dog", ".", "!", "please", "Alice", "7"];

    private static readonly Gen<string> Text = Gen.Sized(size => Gen.ListOf(Gen.Elements(Vocabulary)).Select(words => string.Join(' ', words)));

    private static readonly Gen<double[]> Weights = Gen.ArrayOf(Gen.Choose(-300, 300).Select(w => w / 100.0), 7);

    private static ConstitutionJudge Judge(double[] w, double temperature = 0.7) => new(
    [
        new Principle("polite", w[0], new KeywordScore(["thank you", "please"], ["stupid"])),
        new Principle("shouting", w[1], new RegexScore([new("[A-Z]{3,}")], [new("!")])),
        new Principle("length", w[2], new LengthWindowScore(3, 12)),
        new Principle("loops", w[3], new RepetitionScore(2)),
        new Principle("tone", w[4], new SentimentScore(SentimentLexicon.BuiltIn)),
        new Principle("entities", w[5], new EntityMentionScore()),
        new Principle("finished", w[6], new CompleteSentenceScore()),
    ], temperature, margin: 0.01);

    private sealed record Case(double[] W, double C, string Context, string A, string B);

    private static readonly Arbitrary<Case> Cases =
        (from w in Weights
         from c in Gen.Choose(1, 400)
         from context in Text
         from a in Text
         from b in Text
         select new Case(w, c / 100.0, context, a, b)).ToArbitrary();

    [Fact]
    public void SwappingTheResponsesGivesExactlyOneMinusP() =>
        Check.One(Runs, Prop.ForAll(Cases, x =>
        {
            var (w, _, context, a, b) = x;
            var judge = Judge(w);
            var p = judge.ProbabilityA(new JudgeRequest(context, a, b));
            return judge.ProbabilityA(new JudgeRequest(context, b, a)) == 1 - p;
        }));

    [Fact]
    public void IdenticalResponsesAbstain() =>
        Check.One(Runs, Prop.ForAll(Cases, x =>
        {
            var (w, _, context, a, _) = x;
            var judge = Judge(w);
            var verdict = judge.JudgeAsync(new JudgeRequest(context, a, a), CancellationToken.None).GetAwaiter().GetResult();
            return judge.ProbabilityA(new JudgeRequest(context, a, a)) == 0.5 && verdict.Abstention == AbstentionReason.LowConfidence;
        }));

    [Fact]
    public void ScalingTheWeightsIsDividingTheTemperature() =>
        Check.One(Runs, Prop.ForAll(Cases, x =>
        {
            var (w, c, context, a, b) = x;
            var request = new JudgeRequest(context, a, b);
            var scaled = Judge(w.Select(v => v * c).ToArray()).ProbabilityA(request);
            var cooled = Judge(w, 0.7 / c).ProbabilityA(request);
            return Math.Abs(scaled - cooled) < 1e-12;
        }));

    [Fact]
    public async Task ALabelAlwaysCarriesBothOrdersAndCountsOnce()
    {
        var judge = Judge([1, 0, 0, 0, 0, 0, 0]);
        var verdict = await judge.JudgeAsync(new JudgeRequest("hi", "thank you, please sit", "you are stupid"), TestContext.Current.CancellationToken);
        Assert.True(verdict.ProbabilityA > 0.5, verdict.ToString());
        Assert.Equal(verdict.ProbabilityA, verdict.AFirst);
        Assert.Equal(verdict.ProbabilityA, verdict.ASecond);
        Assert.Equal(1, judge.Counters.Labels);
        Assert.Equal(1, judge.Counters.Calls);
    }
}
