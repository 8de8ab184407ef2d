using Fpo.Alignment.Preferences;
using Fpo.Grains.Contracts;
using Fpo.Grains.Contracts.Codecs;

namespace Fpo.Grains.Tests.Contracts;

public sealed class CodecTests
{
    private static readonly RolloutPair Pair = new()
    {
        Id = "pair-prompt-00000007", Prompt = "Mia and \"Leo\"\n", PromptTokens = [0, 5, 9], ResponseA = "They smiled.", ResponseATokens = [11, 12],
        ResponseB = "", ResponseBTokens = [0], PolicyVersion = 3,
        Reference = new ReferenceData
        {
            ChosenLogProbSum = -1.25, RejectedLogProbSum = -0.5, ChosenLogProbMean = -0.625, RejectedLogProbMean = -0.5,
            ChosenFeatures = new SparseFeatures([2, 7], [0.1f, 3.5f]), RejectedFeatures = SparseFeatures.Empty, SaeLayer = 1, SaeId = "sae",
        },
    };

    [Fact]
    public void A_rollout_pair_survives_its_codec_exactly()
    {
        var back = RolloutPairCodec.Instance.Decode(RolloutPairCodec.Instance.Encode(Pair));
        Assert.Equal((Pair.Id, Pair.Prompt, Pair.ResponseA, Pair.ResponseB, Pair.PolicyVersion), (back.Id, back.Prompt, back.ResponseA, back.ResponseB, back.PolicyVersion));
        Assert.Equal(Pair.PromptTokens, back.PromptTokens);
        Assert.Equal(Pair.ResponseATokens, back.ResponseATokens);
        Assert.Equal(Pair.ResponseBTokens, back.ResponseBTokens);
        Assert.Equal(Pair.Reference, back.Reference);
    }

    [Fact]
    public void Prompts_and_preferences_survive_their_codecs()
    {
        var prompt = new PromptRecord("prompt-00000001", "Once upon a time, \"Ana\" said:\n");
        Assert.Equal(prompt, PromptCodec.Instance.Decode(PromptCodec.Instance.Encode(prompt)));
        var preference = Pair.AsPreference() with { Label = 0.75, Judge = new JudgeMetadata("stories", "", 0.7, 0.8) };
        var back = PreferenceCodec.Instance.Decode(PreferenceCodec.Instance.Encode(preference));
        Assert.Equal((preference.Label, preference.Judge, preference.Reference), (back.Label, back.Judge, back.Reference));
    }

    [Fact]
    public void Text_a_codec_cannot_read_is_a_format_error_naming_the_problem()
    {
        Assert.Contains("field 'prompt'", Assert.Throws<FormatException>(() => PromptCodec.Instance.Decode("""{"id":"x"}""")).Message);
        Assert.Contains("not valid JSON", Assert.Throws<FormatException>(() => PromptCodec.Instance.Decode("{")).Message);
        var unversioned = PreferenceJsonl.ToLine(Pair.AsPreference() with { PolicyVersion = null });
        Assert.Contains("no policy_version", Assert.Throws<FormatException>(() => RolloutPairCodec.Instance.Decode(unversioned)).Message);
    }
}
