using Fpo.Alignment.Judges;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>Reading P(response 1) from log-probs and from text; anything else is null, never a guess.</summary>
public sealed class PreferenceAnswerTests
{
    [Fact]
    public void LogProbsAreASoftmaxOverTheTwoDigits()
    {
        var p = PreferenceAnswer.FromLogProbs([("1", Math.Log(0.6)), ("2", Math.Log(0.2)), ("x", Math.Log(0.1))]);
        Assert.Equal(0.75, p!.Value, 12);
    }

    [Fact]
    public void SpellingsOfADigitAddUpAndDuplicatesCountOnce()
    {
        // the sampled token is listed again among the top alternatives: it must not count twice
        var p = PreferenceAnswer.FromLogProbs([(" 1", Math.Log(0.3)), (" 1", Math.Log(0.3)), ("1", Math.Log(0.1)), ("2", Math.Log(0.4))]);
        Assert.Equal(0.5, p!.Value, 12);
    }

    [Fact]
    public void AMissingDigitGetsTheLowestListedLogProb()
    {
        var p = PreferenceAnswer.FromLogProbs([("1", Math.Log(0.5)), ("x", Math.Log(0.3)), ("y", Math.Log(0.1))]);
        Assert.Equal(0.5 / 0.6, p!.Value, 12);
    }

    [Fact]
    public void NoDigitIsNull() => Assert.Null(PreferenceAnswer.FromLogProbs([("yes", -0.1), ("no", -2.5)]));

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData(" 2.", 0.0)]
    [InlineData("Response 2", 0.0)]
    [InlineData("Preferred Response=1", 1.0)]
    [InlineData("response: 1 because", 1.0)]
    [InlineData("12", null)]
    [InlineData("3", null)]
    [InlineData("I prefer 1", null)]
    [InlineData("", null)]
    public void TextAnswers(string text, double? expected) => Assert.Equal(expected, PreferenceAnswer.FromText(text));
}
