using Fpo.Alignment.Explanations;

namespace Fpo.Alignment.Tests.Explanations;

public sealed class SimulationPromptTests
{
    [Fact]
    public void PromptCarriesTheExplanationAndOneTokenPerLine()
    {
        var prompt = SimulationPrompt.Render("  This neuron fires on cats. ", ["the", " cat", "\n"]);
        Assert.StartsWith("A neuron of a language model is explained as: This neuron fires on cats.\n", prompt);
        Assert.EndsWith("\n\nthe\n cat\n\\n\n", prompt);
    }

    [Fact]
    public void AGoodAnswerIsRead()
    {
        var (values, reason) = SimulationPrompt.Parse("the\t0\r\n cat\t10\n\n \\n\t3  \n", 3);
        Assert.Equal([0, 10, 3], values!);
        Assert.Equal("", reason);
    }

    [Theory]
    [InlineData("the 0\n cat\t10\n", 2, "line 1 has no tab")]
    [InlineData("the\tzero\n cat\t10\n", 2, "line 1 does not end in an integer 0–10")]
    [InlineData("the\t0\n cat\t11\n", 2, "line 2 does not end in an integer 0–10")]
    [InlineData("the\t-1\n", 1, "line 1 does not end in an integer 0–10")]
    [InlineData("the\t0\n", 2, "1 predictions for 2 tokens")]
    [InlineData("", 2, "0 predictions for 2 tokens")]
    [InlineData("a\t1\nb\t2\nc\t3\n", 2, "3 predictions for 2 tokens")]
    public void GarbageOrPartialAnswersFailWithAReason(string answer, int tokens, string expected)
    {
        var (values, reason) = SimulationPrompt.Parse(answer, tokens);
        Assert.Null(values);
        Assert.Contains(expected, reason);
    }
}
