using System.Text.RegularExpressions;
using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>Each scoring function on hand-computed cases: the documented formula, its range and its edge cases.</summary>
public sealed class ScoringFunctionTests
{
    [Fact]
    public void KeywordsCountWholeWordPhrasesOnceEach()
    {
        var f = new KeywordScore(["thank you", "please"], ["stupid", "dumb"]);
        Assert.Equal(1 / 4.0, f.Score("", "Thank you! Thank you, THANK YOU."));
        Assert.Equal(0, f.Score("", "thank youth, pleased, stupidity"));  // only whole words count
        Assert.Equal((2 - 2) / 4.0, f.Score("", "please, thank you, you stupid dumb thing"));
        Assert.Equal(-2 / 4.0, f.Score("", "stupid and dumb"));
    }

    [Fact]
    public void RegexCountsPatternsThatMatch()
    {
        var f = new RegexScore([new Regex(@"\d+")], [new Regex("[A-Z]{4,}"), new Regex("!!")]);
        Assert.Equal(1 / 3.0, f.Score("", "it is 42"));
        Assert.Equal(-1 / 3.0, f.Score("", "STOP now"));
        Assert.Equal(-2 / 3.0, f.Score("", "STOP!! now"));
    }

    [Theory]
    [InlineData("one two", 2 / 4.0)]
    [InlineData("one two three four", 1)]
    [InlineData("a b c d e f", 1)]
    [InlineData("a b c d e f g h i j k l", 6 / 12.0)]
    [InlineData("", 0)]
    public void LengthWindowFallsOffOutsideTheWindow(string response, double expected) =>
        Assert.Equal(expected, new LengthWindowScore(4, 6).Score("", response), 12);

    [Fact]
    public void RepetitionIsTheFractionOfRepeatedNGrams()
    {
        var f = new RepetitionScore(2);
        Assert.Equal(0, f.Score("", "the cat sat on the mat"));
        // bigrams: "a b", "b a", "a b", "b a", "a b": 3 of 5 repeat an earlier one
        Assert.Equal(-3 / 5.0, f.Score("", "a b a B a b"), 12);
        Assert.Equal(0, f.Score("", "a"));
    }

    [Fact]
    public void SentimentFlipsAfterANegator()
    {
        var f = new SentimentScore(SentimentLexicon.BuiltIn);
        Assert.Equal(1, f.Score("", "a great and helpful answer"));
        Assert.Equal(-1, f.Score("", "not helpful, just bad"));
        Assert.Equal(0, f.Score("", "great, but terrible"));
        Assert.Equal(0, f.Score("", "the cat sat"));
    }

    [Fact]
    public void EntitiesAreNumbersAndCapitalisedWordsThatDoNotStartASentence()
    {
        Assert.Equal(["Alice", "Paris", "3"], EntityMentionScore.Entities("Where did Alice go in Paris? The answer has 3 parts."));
        var f = new EntityMentionScore();
        Assert.Equal(2 / 3.0, f.Score("Where did Alice go in Paris? The answer has 3 parts.", "Alice went to Paris."), 12);
        Assert.Equal(0, f.Score("what now?", "Alice"));
    }

    [Theory]
    [InlineData("It is done.", 1)]
    [InlineData("Really?\")", 1)]
    [InlineData("and then the", 0)]
    [InlineData("   ", 0)]
    public void CompleteSentenceLooksAtTheLastCharacter(string response, double expected) =>
        Assert.Equal(expected, new CompleteSentenceScore().Score("", response));
}
