using System.Text.Json;
using Fpo.Alignment.Judges;
using Fpo.Grains.Contracts;
using Fpo.Grains.Runs;

namespace Fpo.Grains.Tests.Actors;

/// <summary>The judge grain: labels become oriented preferences on the run's preference stream; abstentions and failures do not, and the batch settles.</summary>
[Collection(ActorCollection.Name)]
public sealed class JudgeGrainContractTests(ActorCluster cluster)
{
    [Fact]
    public async Task Labels_reach_the_trainer_oriented_abstentions_are_counted_a_throwing_judge_dead_letters_its_pair_and_the_batch_settles()
    {
        // Batch 0's pairs get a scripted verdict each; later batches are held at the judge, so what it did is batch 0's alone.
        const string Run = "judge-labels";
        var verdicts = new Dictionary<string, Func<JudgeVerdict>>
        {
            [PromptIds.Pair(Run, 0)] = () => JudgeVerdict.Label(0.9),
            [PromptIds.Pair(Run, 1)] = () => JudgeVerdict.Label(0.8),
            [PromptIds.Pair(Run, 2)] = () => JudgeVerdict.Label(0.2),
            [PromptIds.Pair(Run, 3)] = () => JudgeVerdict.Abstain(AbstentionReason.LowConfidence, "too close"),
            [PromptIds.Pair(Run, 4)] = () => throw new InvalidOperationException("scoring bug"),
            [PromptIds.Pair(Run, 5)] = () => JudgeVerdict.Abstain(AbstentionReason.Unparsable, "no answer"),
            [PromptIds.Pair(Run, 6)] = () => JudgeVerdict.Label(0.1),
            [PromptIds.Pair(Run, 7)] = () => JudgeVerdict.Label(0.6),
        };
        var judge = new ScriptedJudge(id => verdicts.TryGetValue(id, out var verdict) ? verdict() : null, batchPrompts: 8);
        var run = await cluster.StartRunAsync(Run, a => a with { Judge = judge },
            s => s with { MaxInFlight = 8, Trainer = s.Trainer with { BatchWait = TimeSpan.Zero } });
        await using var annotated = await run.TapAsync<PairBatch>(StreamNamespaces.Annotated, run.Partition(0), b => b.Id);
        await using var preferences = await run.TapAsync<JudgedBatch>(StreamNamespaces.Preferences, run.Id, b => $"{b.Id}: {string.Join(", ", b.Preferences.Select(p => p.Id))}");
        await using var prompts = await run.TapAsync<PromptBatch>(StreamNamespaces.Prompts, run.Partition(0), b => b.Id);

        await run.PromptSource.StartAsync();
        var judged = await preferences.Items.FirstAsync(b => b.Id == PromptIds.Prompt(run.Id, 0), "the labels of batch 0");
        // Room for one batch in flight: the next is published only once batch 0 has settled, when the trainer (which
        // trains a partial batch at once here) has trained its labels.
        await prompts.Items.FirstAsync(b => b.Id == PromptIds.Prompt(run.Id, 8), "batch 1, published once batch 0's labels were trained");
        await run.PromptSource.StopAsync();

        var sent = (await annotated.Items.FirstAsync(b => b.Id == PromptIds.Prompt(run.Id, 0), "batch 0 on its way to the judge")).Pairs.ToDictionary(p => p.Id);
        Assert.Equal([0, 1, 2, 6, 7], judged.Preferences.Select(p => (int)PromptIds.Number(p.Id)));
        foreach (var preference in judged.Preferences)
        {
            var pair = sent[preference.Id];
            var p = verdicts[pair.Id]().ProbabilityA!.Value;
            var aWins = p >= 0.5;
            Assert.Equal(aWins ? p : 1 - p, preference.Label, 9);
            Assert.Equal(aWins ? pair.ResponseA : pair.ResponseB, preference.Chosen);
            Assert.Equal(aWins ? pair.ResponseB : pair.ResponseA, preference.Rejected);
            Assert.Equal(aWins ? pair.ResponseATokens : pair.ResponseBTokens, preference.ChosenTokens!);
            Assert.Equal(aWins ? pair.Reference!.ChosenLogProbSum : pair.Reference!.RejectedLogProbSum, preference.Reference!.ChosenLogProbSum);
            Assert.Equal((aWins ? pair.Reference.ChosenFeatures : pair.Reference.RejectedFeatures)!.Latents, preference.Reference.ChosenFeatures!.Latents);
            Assert.Equal((0L, "scripted"), (preference.PolicyVersion, preference.Judge!.Name));
        }
        Assert.Equal(new JudgeStatus(5, 2), await run.Judge().StatusAsync());
        var dead = Assert.Single(await run.JournalAsync(JournalKinds.DeadLetter));
        Assert.Equal("annotated/" + PromptIds.Pair(run.Id, 4), dead.Id);
        Assert.Equal("judge scripted threw InvalidOperationException: scoring bug", JsonSerializer.Deserialize<DeadLetterRecord>(dead.Json, JournalKinds.Json)!.Reason);
        var totals = await new RunTotals(run.Stores.Journal).RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Equal((5, 2, 1), (totals.Labels, totals.Abstentions, totals.FailedPairs));
    }
}
