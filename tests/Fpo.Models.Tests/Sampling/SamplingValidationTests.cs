using Fpo.Models.Sampling;

namespace Fpo.Models.Tests.Sampling;

/// <summary>Every invalid field of SamplingParams is refused with a message naming the field, its value and the rule.</summary>
public class SamplingValidationTests
{
    public static readonly TheoryData<string, SamplingParams, string> Invalid = new()
    {
        { "negative temperature", new SamplingParams { Temperature = -0.5f }, "SamplingParams.Temperature is -0.5: it must be finite and >= 0 (0 is greedy)" },
        { "NaN temperature", new SamplingParams { Temperature = float.NaN }, "SamplingParams.Temperature is NaN: it must be finite and >= 0 (0 is greedy)" },
        { "infinite temperature", new SamplingParams { Temperature = float.PositiveInfinity }, "SamplingParams.Temperature is Infinity: it must be finite and >= 0 (0 is greedy)" },
        { "negative top-k", new SamplingParams { TopK = -1 }, "SamplingParams.TopK is -1: it must be >= 0 (0 disables)" },
        { "top-p 0", new SamplingParams { TopP = 0f }, "SamplingParams.TopP is 0: it must be in (0, 1] (1 disables)" },
        { "top-p above 1", new SamplingParams { TopP = 1.5f }, "SamplingParams.TopP is 1.5: it must be in (0, 1] (1 disables)" },
        { "NaN top-p", new SamplingParams { TopP = float.NaN }, "SamplingParams.TopP is NaN: it must be in (0, 1] (1 disables)" },
        { "min-p 1", new SamplingParams { MinP = 1f }, "SamplingParams.MinP is 1: it must be in [0, 1) (0 disables)" },
        { "negative min-p", new SamplingParams { MinP = -0.1f }, "SamplingParams.MinP is -0.1: it must be in [0, 1) (0 disables)" },
        { "zero repetition penalty", new SamplingParams { RepetitionPenalty = 0f }, "SamplingParams.RepetitionPenalty is 0: it must be finite and > 0 (1 disables)" },
        { "negative repetition penalty", new SamplingParams { RepetitionPenalty = -1.2f }, "SamplingParams.RepetitionPenalty is -1.2: it must be finite and > 0 (1 disables)" },
        { "infinite repetition penalty", new SamplingParams { RepetitionPenalty = float.PositiveInfinity }, "SamplingParams.RepetitionPenalty is Infinity: it must be finite and > 0 (1 disables)" },
        { "NaN presence penalty", new SamplingParams { PresencePenalty = float.NaN }, "SamplingParams.PresencePenalty is NaN: it must be finite (0 disables)" },
        { "infinite frequency penalty", new SamplingParams { FrequencyPenalty = float.NegativeInfinity }, "SamplingParams.FrequencyPenalty is -Infinity: it must be finite (0 disables)" },
        { "bias id past V", new SamplingParams { LogitBias = new Dictionary<int, float> { [3] = 1f, [10] = 1f } }, "SamplingParams.LogitBias: token id 10 is outside the vocabulary [0, 10)" },
        { "negative bias id", new SamplingParams { LogitBias = new Dictionary<int, float> { [-1] = 1f } }, "SamplingParams.LogitBias: token id -1 is outside the vocabulary [0, 10)" },
        { "NaN bias", new SamplingParams { LogitBias = new Dictionary<int, float> { [4] = float.NaN } }, "SamplingParams.LogitBias: the bias of token id 4 is NaN, it must be finite" },
        { "infinite bias in a read-only dictionary", new SamplingParams { LogitBias = new System.Collections.ObjectModel.ReadOnlyDictionary<int, float>(new Dictionary<int, float> { [2] = float.NegativeInfinity }) }, "SamplingParams.LogitBias: the bias of token id 2 is -Infinity, it must be finite" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidFieldsAreRefusedByName(string what, SamplingParams p, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => p.Validate(10));
        Assert.True(e.Message == message, $"{what}: got \"{e.Message}\", expected \"{message}\"");
        // the sampler validates too, before it looks at the logits
        e = Assert.Throws<ArgumentException>(() => new TokenSampler(10).Sample(new float[10], p, new TokenHistory([]), new SequenceRandom(1, 0)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void BoundaryValuesAreAccepted()
    {
        SamplingParams[] valid =
        [
            new(), new() { Temperature = 0 }, new() { TopK = 0 }, new() { TopK = 1_000_000 }, new() { TopP = 1f },
            new() { TopP = 1e-6f }, new() { MinP = 0f }, new() { MinP = 0.999f }, new() { RepetitionPenalty = 1e-3f },
            new() { PresencePenalty = -5f, FrequencyPenalty = 5f }, new() { LogitBias = new Dictionary<int, float> { [0] = -100f, [9] = 100f } },
        ];
        foreach (var p in valid) Assert.Same(p, p.Validate(10));
    }
}
