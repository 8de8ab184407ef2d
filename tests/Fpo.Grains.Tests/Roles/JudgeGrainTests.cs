using Fpo.Alignment.Judges;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Contracts.Codecs;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Tests.Roles;

public sealed class JudgeGrainTests : GrainTestRun
{
    private static RolloutPair Pair(string id, string a, string b) => new()
    {
        Id = id, Prompt = "the cat", PromptTokens = [1], ResponseA = a, ResponseATokens = [2], ResponseB = b, ResponseBTokens = [3], PolicyVersion = 4,
        Reference = new ReferenceData
        {
            ChosenLogProbSum = -1, RejectedLogProbSum = -2, ChosenLogProbMean = -0.5, RejectedLogProbMean = -0.25,
            ChosenFeatures = new SparseFeatures([1], [1f]), RejectedFeatures = new SparseFeatures([2], [2f]), SaeLayer = 1, SaeId = "sae",
        },
    };

    [Fact]
    public async Task An_abstention_is_acknowledged_and_counted_but_never_reaches_the_trainer_and_labels_orient_the_pair()
    {
        var annotated = Backbone.Stream(StreamNames.Annotated, RolloutPairCodec.Instance);
        await annotated.PublishAsync(
        [
            new StreamItem<RolloutPair>("a-wins", Pair("a-wins", "ok", "the cat sat on the mat")),
            new StreamItem<RolloutPair>("b-wins", Pair("b-wins", "the cat sat on the mat", "ok")),
            new StreamItem<RolloutPair>("tie", Pair("tie", "same words", "same words")),
        ], Ct);
        var grain = new JudgeGrain("judge-0", Backbone, annotated, Preferences, TinyLoop.Judge(), 16, new LeaseSettings { Wait = TimeSpan.Zero });

        Assert.True(await grain.StepAsync(Ct));

        Assert.Equal((2, 1), (grain.Labelled, grain.Abstained));
        Assert.Equal((3, 0, 0), ((await annotated.CountsAsync(Ct)).Acknowledged, (await annotated.CountsAsync(Ct)).Pending, (await annotated.CountsAsync(Ct)).Leased));
        var leased = await Preferences.LeaseAsync(10, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct);
        Assert.Equal(["a-wins", "b-wins"], leased.Select(l => l.Id).Order());
        var b = leased.Single(l => l.Id == "b-wins").Value;
        Assert.Equal(("ok", "the cat sat on the mat"), (b.Chosen, b.Rejected));
        Assert.Equal([3], b.ChosenTokens!);
        Assert.Equal([2], b.RejectedTokens!);
        Assert.True(b.Label > 0.5);
        Assert.Equal((-2.0, -1.0, -0.25, -0.5), (b.Reference!.ChosenLogProbSum, b.Reference.RejectedLogProbSum, b.Reference.ChosenLogProbMean, b.Reference.RejectedLogProbMean));
        Assert.Equal(2, b.Reference.ChosenFeatures!.Latents[0]);
        Assert.Equal("short", b.Judge!.Name);
        Assert.Equal(4, b.PolicyVersion);
        var a = leased.Single(l => l.Id == "a-wins").Value;
        Assert.Equal(("ok", -1.0), (a.Chosen, a.Reference!.ChosenLogProbSum));
    }

    // Throws on a response that says "boom", labels A otherwise.
    private sealed class FragileJudge : IJudge
    {
        public string Name => "fragile";
        public string Model => "";
        public JudgeCounters Counters { get; } = new();

        public Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken) =>
            request.ResponseA == "boom" ? throw new InvalidOperationException("scoring bug") : Task.FromResult(JudgeVerdict.Label(0.9));
    }

    [Fact]
    public async Task A_judge_that_throws_fails_only_that_record_which_is_dead_lettered_with_the_error_after_the_limit()
    {
        var annotated = Backbone.Stream(StreamNames.Annotated, RolloutPairCodec.Instance, new StreamSettings { MaxDeliveries = 2 });
        await annotated.PublishAsync([new("fine", Pair("fine", "ok", "fine")), new("bad", Pair("bad", "boom", "fine"))], Ct);
        var grain = new JudgeGrain("judge-0", Backbone, annotated, Preferences, new FragileJudge(), 16, new LeaseSettings { Wait = TimeSpan.Zero });

        Assert.True(await grain.StepAsync(Ct));
        Assert.Equal((1, 0), (grain.Labelled, grain.Abstained));
        Assert.Equal((1L, 1L, 0L), ((await annotated.CountsAsync(Ct)).Acknowledged, (await annotated.CountsAsync(Ct)).Pending, (await annotated.CountsAsync(Ct)).Dead));
        Assert.True(await grain.StepAsync(Ct));

        var dead = Assert.Single(await annotated.DeadLettersAsync(Ct));
        Assert.Equal("bad", dead.Id);
        Assert.Contains("scoring bug", dead.Error, StringComparison.Ordinal);
        Assert.Equal(["fine"], (await Preferences.LeaseAsync(10, TimeSpan.FromMinutes(1), TimeSpan.Zero, Ct)).Select(l => l.Id));
    }
}
