using Fpo.Alignment.Judges;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>The RLAIF layout: preamble, examples, the sample, the ending; the chain-of-thought prompt embeds the rationale.</summary>
public sealed class RlaifPromptTests
{
    private static readonly RlaifPrompt Prompt = new()
    {
        Preamble = "Pick the better one.",
        Examples = [new FewShotExample("2+2?", "4", "5", 1, "4 is right.")],
    };

    [Fact]
    public void RendersPreambleExamplesSampleAndEnding() =>
        Assert.Equal(
            "Pick the better one.\n\n" +
            "Context: 2+2?\nResponse 1: 4\nResponse 2: 5\nPreferred Response=1\n\n" +
            "Context: hi\nResponse 1: hello\nResponse 2: go away\nPreferred Response=",
            Prompt.Render("hi", "hello", "go away"));

    [Fact]
    public void ChainOfThoughtAsksForARationaleThenAppendsItAndTheEnding()
    {
        var request = Prompt.RenderRationaleRequest("hi", "hello", "go away");
        Assert.EndsWith("Response 2: go away\n" + RlaifPrompt.DefaultRationaleRequest, request);
        Assert.Contains("Response 2: 5\n" + RlaifPrompt.DefaultRationaleRequest + " 4 is right.\nPreferred Response=1", request);
        Assert.Equal(request + " Hello is polite.\nPreferred Response=", Prompt.RenderWithRationale("hi", "hello", "go away", "  Hello is polite. "));
    }

    [Fact]
    public void AnExampleMustPreferOneOrTwo() => Assert.Throws<ArgumentOutOfRangeException>(() => new FewShotExample("c", "a", "b", 3));
}
