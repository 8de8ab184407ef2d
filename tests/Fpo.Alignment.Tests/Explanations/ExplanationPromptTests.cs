using Fpo.Alignment.Explanations;
using Fpo.Sae.Statistics;

namespace Fpo.Alignment.Tests.Explanations;

public sealed class ExplanationPromptTests
{
    private static readonly string[] Vocab = ["the", " cat", "\t", " sat", "\n"];

    [Fact]
    public void ActivationsAreScaledToTenAtTheLatentsMaximum()
    {
        // max over all contexts is 4.0: 4 → 10, 2 → 5, 0.1 → 0.25 rounds to 0 but a firing shows as at least 1, 0 → 0.
        var a = new ActivatingContext(4f, 0, 1, 0, [0, 1, 3], [0f, 4f, 2f]);
        var b = new ActivatingContext(0.1f, 1, 0, 0, [2, 4], [0.1f, 0f]);
        var prompt = ExplanationPrompt.Render([a, b], 4f, id => Vocab[id]);
        Assert.Contains("Excerpt 1:\nthe\t0\n cat\t10\n sat\t5\n", prompt);
        Assert.Contains("Excerpt 2:\n\\t\t1\n\\n\t0\n", prompt);
        Assert.Contains("Tokens where the neuron was active: \" cat\", \" sat\", \"\\t\"\n", prompt);
        Assert.EndsWith("starting with \"This neuron\".", prompt);
    }

    [Theory]
    [InlineData(0f, 4f, 0)]
    [InlineData(-1f, 4f, 0)]
    [InlineData(4f, 4f, 10)]
    [InlineData(3f, 4f, 8)]     // 7.5 (exact in float) rounds away from zero
    [InlineData(0.001f, 4f, 1)]
    [InlineData(9f, 4f, 10)]    // above the stated max is clamped
    public void ScaleKnownAnswers(float activation, float max, int expected) => Assert.Equal(expected, ActivationScale.Scale(activation, max));
}
