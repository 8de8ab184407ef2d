using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Alignment.Explanations;
using Fpo.Alignment.Training;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Sae.Statistics;
using Fpo.Silo.SiloApi;
using Fpo.Silo.SiloApi.Features;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>The features API and the backbone-only run view on the in-memory test server, and the drift and alert formulas on numbers worked by hand.</summary>
public sealed class FeatureStatisticsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Statistics_merged_from_two_rollout_silos_answer_exactly_as_computed_in_one()
    {
        await using var split = await InMemoryApi.StartAsync();
        await using var whole = await InMemoryApi.StartAsync();
        var random = new Random(11);
        for (var version = 0; version < 2; version++)
            foreach (var side in new[] { FeatureSide.Policy, FeatureSide.Reference })
            {
                var sequences = Enumerable.Range(0, 40).Select(i => Sequence(random, 16, version * 100 + i)).ToList();
                FeatureStatistics Fold(IEnumerable<(long Id, int[] Tokens, int[] RowStart, int[] Latents, float[] Values)> seqs)
                {
                    var stats = new FeatureStatistics(16, 5, 3);
                    foreach (var s in seqs) stats.AddSequence(s.Id, s.Tokens, s.RowStart, s.Latents, s.Values);
                    return stats;
                }
                var key = new FeatureStatsKey(version, side);
                await split.Stores.FeatureStats.MergeAsync(key, "rollout-0", Fold(sequences.Take(23)), Ct);
                await split.Stores.FeatureStats.MergeAsync(key, "rollout-1", Fold(sequences.Skip(23)), Ct);
                await whole.Stores.FeatureStats.MergeAsync(key, "rollout-0", Fold(sequences), Ct);
            }
        var paths = new List<string> { "/api/features?limit=1000", "/api/features?version=0&limit=1000&sort=frequency", "/api/features/snapshots", "/api/alerts?factor=1.2&min_frequency=0.05&fdr=0.5" };
        paths.AddRange(Enumerable.Range(0, 16).Select(j => $"/api/features/{j}?contexts=5"));
        foreach (var path in paths)
        {
            var a = await split.Http.GetStringAsync(path, Ct);
            var b = await whole.Http.GetStringAsync(path, Ct);
            Assert.Equal(b, a);
        }
        var page = await split.Http.GetFromJsonAsync<JsonElement>("/api/features/3?contexts=5", Ct);
        Assert.Equal(5, page.GetProperty("policyContexts").GetArrayLength());
        Assert.Equal(2, page.GetProperty("series").GetArrayLength());
    }

    [Fact]
    public async Task A_silo_without_the_trainer_reads_the_journal_and_refuses_start_and_stop_with_409()
    {
        await using var api = await InMemoryApi.StartAsync();
        var evaluation = new SnapshotEvaluation(0, 0, 8, 0, 0, 2, 6, null, null, 0.0, 0.0, 0.0, 7.5, 7.5, DateTimeOffset.UnixEpoch)
        {
            Judge = "stories-eval", WinRateLow = 0.5, WinRateHigh = 0.5, LengthControlledWinRate = 0.5, LengthControlledLow = 0.41, LengthControlledHigh = 0.62,
        };
        await api.Stores.Journal.AppendAsync(JournalKinds.Evaluation, "0", JsonSerializer.Serialize(evaluation, JournalKinds.Json), Ct);
        var metrics = new PreferenceMetrics { Method = "fpo", Pairs = 8, Loss = 0.69f, ChosenReward = 0.1f, RejectedReward = -0.1f, Margin = 0.2f, Accuracy = 0.75f, FeatureDivergenceChosen = 0.01f };
        await api.Stores.Journal.AppendAsync(JournalKinds.TrainerStep, "1", JsonSerializer.Serialize(new TrainerStepReport(1, metrics, 1e-3f, 0.5f, 0.25, 0.1, null), JournalKinds.Json), Ct);

        foreach (var (grain, version) in new[] { ("rollout-0", 0L), ("rollout-1", 0L), ("rollout-0", 1L) })
            await api.Stores.Journal.AppendAsync(RolloutServing.JournalKind, $"silo-a/{grain}/{version}",
                JsonSerializer.Serialize(new RolloutServing("silo-a", grain, version, DateTimeOffset.UnixEpoch), JournalKinds.Json), Ct);

        var status = await api.Http.GetFromJsonAsync<JsonElement>("/api/run", Ct);
        Assert.Equal([1L, 0L], status.GetProperty("rolloutVersions").EnumerateArray().Select(v => v.GetInt64()));
        Assert.Equal(RunStates.Observing, status.GetProperty("state").GetString());
        Assert.Equal(0, status.GetProperty("snapshotVersion").GetInt64());
        Assert.Equal(1, status.GetProperty("trainerSteps").GetInt64());
        Assert.Equal(0.69, status.GetProperty("lastStep").GetProperty("loss").GetDouble(), 1e-6);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("lastEvaluation").GetProperty("winRate").ValueKind);
        var evaluations = await api.Http.GetFromJsonAsync<JsonElement>("/api/evaluations", Ct);
        Assert.Equal(6, evaluations[0].GetProperty("abstentions").GetInt32());
        // The length-controlled rate and its interval travel through the journal to the API; NaN (no slope fitted) becomes null.
        Assert.Equal((0.5, 0.41, 0.62), (evaluations[0].GetProperty("lengthControlledWinRate").GetDouble(), evaluations[0].GetProperty("lengthControlledLow").GetDouble(),
            evaluations[0].GetProperty("lengthControlledHigh").GetDouble()));
        Assert.Equal("stories-eval", evaluations[0].GetProperty("judge").GetString());
        Assert.Equal(JsonValueKind.Null, evaluations[0].GetProperty("lengthSlope").ValueKind);
        var steps = await api.Http.GetFromJsonAsync<JsonElement>("/api/run/steps?after=0", Ct);
        Assert.Equal(0.01, steps[0].GetProperty("featureDivergenceChosen").GetDouble(), 1e-6);
        foreach (var action in new[] { "start", "stop" })
        {
            var response = await api.Http.PostAsync($"/api/run/{action}", null, Ct);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("does not host the trainer", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync("/api/features", Ct)).StatusCode);
        Assert.Equal("ready", (await api.Http.GetFromJsonAsync<JsonElement>("/readyz", Ct)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Explanations_and_scores_from_sae_explain_appear_in_the_table_and_on_the_latent_page()
    {
        var date = new DateTimeOffset(2026, 11, 23, 7, 0, 0, TimeSpan.Zero);
        await using var api = await InMemoryApi.StartAsync(explanations:
        [
            new FeatureExplanation(2, "cats sitting on mats", 0.61, null, "explainer-llm", date, 20, 0),
            new FeatureExplanation(5, "numbers", null, "too few contexts", "explainer-llm", date, 0, 0),
        ]);
        await api.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(0, FeatureSide.Policy), "d", Stats(10, [(2, 1f, 3), (5, 2f, 1)]), Ct);
        var table = await api.Http.GetFromJsonAsync<JsonElement>("/api/features?sort=latent&order=asc", Ct);
        var rows = table.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("drift").GetProperty("latent").GetInt32());
        Assert.Equal("cats sitting on mats", rows[2].GetProperty("explanation").GetString());
        Assert.Equal(0.61, rows[2].GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, rows[5].GetProperty("score").ValueKind);
        var page = await api.Http.GetFromJsonAsync<JsonElement>("/api/features/5", Ct);
        Assert.Equal("too few contexts", page.GetProperty("explanation").GetProperty("noScoreReason").GetString());
        Assert.Equal(JsonValueKind.Null, (await api.Http.GetFromJsonAsync<JsonElement>("/api/features/3", Ct)).GetProperty("explanation").ValueKind);
    }

    [Fact]
    public void Drift_terms_match_a_hand_worked_example()
    {
        // Policy over 4 tokens: latent 0 = 1.0 on two tokens (c̄ 0.5), latent 1 = 3.0 on one (c̄ 0.75).
        var policy = Stats(4, [(0, 1f, 2), (1, 3f, 1)]);
        // Reference over 4 tokens: latent 0 = 0.5 on all four (c̄ 0.5), latent 2 = 1.0 on two (c̄ 0.5, a tie with 0 broken by the index).
        var reference = Stats(4, [(0, 0.5f, 4), (2, 1f, 2)]);
        var f = FeatureDrift.Compute(7, policy, reference, k: 1);
        // I_1 = {1} ∪ {0}; D = ((0.75 − 0)² + (0.5 − 0.5)²) / 2.
        Assert.Equal(2, f.FeatureSetSize);
        Assert.Equal(0.28125, f.Drift, 1e-12);
        var rows = f.Latents.ToDictionary(r => r.Latent);
        Assert.Equal(0.28125, rows[1].DriftContribution, 1e-12);
        Assert.Equal(0, rows[0].DriftContribution);
        Assert.Equal(0, rows[2].DriftContribution);
        Assert.False(rows[2].InFeatureSet);
        Assert.Equal((0.25 + 1e-4) / 1e-4, rows[1].FrequencyRatio, 1e-6);
        Assert.Equal(0.5 / 1.0, rows[0].PolicyFrequency / rows[0].ReferenceFrequency, 1e-12);
        Assert.Equal(-0.5, rows[2].MeanDifference, 1e-12);
        Assert.Equal(3.0, rows[1].PolicyMeanWhenActive, 1e-9);
    }

    [Fact]
    public void Alerts_fire_on_a_significant_frequency_move_beyond_the_factor_above_the_floor_only()
    {
        var before = Stats(100, [(0, 1f, 50), (1, 1f, 1), (2, 1f, 10)]);
        var after = Stats(100, [(0, 1f, 5), (1, 1f, 4), (2, 1f, 15), (3, 1f, 20)]);
        var settings = FeatureAlertSettings.Default with { MinTokens = 1 };
        var alerts = FeatureAlerts.Between(4, before, 5, after, settings);
        // Latent 3: 0 → 20 of 100 tokens is ×20 over the floor, z = 0.2/√(0.1·0.9·0.02) = 4.714, p = 2.43e-6; latent 0: 50 → 5
        // fell ×10, z = −7.126, p = 1.03e-12; latent 1 is ×4 over the floor, but 1 → 4 of 100 tokens is noise (z = 1.359,
        // p = 0.174): no alert; latent 2: ×1.5 (p = 0.285) neither. BH over the 4 latents tested: latent 0 ranks first,
        // q = 4p; latent 3 second, q = 4p/2 (the ranks above give 4·0.174/3 and 4·0.285/4, both larger).
        Assert.Equal([3, 0], alerts.Select(a => a.Latent));
        Assert.Equal(("rose", "fell"), (alerts[0].Direction, alerts[1].Direction));
        Assert.Equal(20, alerts[0].Ratio, 1e-9);
        Assert.Equal(0.1, alerts[1].Ratio, 1e-9);
        Assert.Equal(2.428467472975848e-06, alerts[0].PValue, 1e-15);
        Assert.Equal(1.0312664924026513e-12, alerts[1].PValue, 1e-20);
        Assert.Equal(2 * alerts[0].PValue, alerts[0].QValue, 1e-18);
        Assert.Equal(4 * alerts[1].PValue, alerts[1].QValue, 1e-24);
        Assert.Equal((0L, 100L, 20L, 100L), (alerts[0].FromCount, alerts[0].FromTokens, alerts[0].ToCount, alerts[0].ToTokens));
        Assert.DoesNotContain(FeatureAlerts.Between(4, before, 5, after, settings with { Factor = 1.2 }), a => a.Latent is 1 or 2);
        Assert.Equal([0], FeatureAlerts.Between(4, before, 5, after, settings with { FalseDiscoveryRate = 1e-8 }).Select(a => a.Latent));
        Assert.DoesNotContain(FeatureAlerts.Between(4, before, 5, after, settings with { MinFrequency = 0.3 }), a => a.Latent == 3);
    }

    [Fact]
    public async Task The_alerts_route_gives_each_alerts_p_q_and_counts_and_refuses_a_rate_outside_0_1()
    {
        await using var api = await InMemoryApi.StartAsync();
        // Latent 3 goes 2% → 6% of 2,000 tokens (z = 6.45); latent 5 10/2000 → 11/2000 is noise.
        await api.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(0, FeatureSide.Policy), "d0", Stats(2000, [(3, 1f, 40), (5, 1f, 100)]), Ct);
        await api.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(1, FeatureSide.Policy), "d1", Stats(2000, [(3, 1f, 120), (5, 1f, 110)]), Ct);

        var alerts = await api.Http.GetFromJsonAsync<JsonElement>("/api/alerts", Ct);

        var alert = Assert.Single(alerts.EnumerateArray());
        var expectedP = TwoProportionTest.PValue(40, 2000, 120, 2000);
        Assert.Equal(3, alert.GetProperty("latent").GetInt32());
        Assert.Equal((0L, 1L), (alert.GetProperty("fromVersion").GetInt64(), alert.GetProperty("toVersion").GetInt64()));
        Assert.Equal((40L, 2000L, 120L, 2000L), (alert.GetProperty("fromCount").GetInt64(), alert.GetProperty("fromTokens").GetInt64(),
            alert.GetProperty("toCount").GetInt64(), alert.GetProperty("toTokens").GetInt64()));
        Assert.Equal((0.02, 0.06), (alert.GetProperty("fromFrequency").GetDouble(), alert.GetProperty("toFrequency").GetDouble()));
        Assert.Equal(3, alert.GetProperty("ratio").GetDouble(), 1e-12);
        Assert.Equal(expectedP, alert.GetProperty("pValue").GetDouble(), expectedP * 1e-12);
        Assert.Equal(2 * expectedP, alert.GetProperty("qValue").GetDouble(), expectedP * 1e-12);
        Assert.Empty((await api.Http.GetFromJsonAsync<JsonElement>("/api/alerts?fdr=1e-12", Ct)).EnumerateArray());
        foreach (var rate in new[] { "0", "1", "1.5", "-0.05", "NaN" })
        {
            var response = await api.Http.GetAsync($"/api/alerts?fdr={rate}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("fdr", problem.GetProperty("parameter").GetString());
        }
    }

    [Fact]
    public void The_logit_lens_equals_the_final_layer_norm_of_the_decoder_direction_through_the_unembedding()
    {
        var config = Fpo.Models.Transformer.ModelConfig.CreateGpt2(TinyModelFolder.Tokenizer.VocabSize, 32, layers: 2, channels: 32, heads: 4);
        var model = new Fpo.Models.Transformer.TransformerModel(config, seed: 3);
        var random = new Random(4);
        var g = model.Layout.Lnfw.In(model.Parameters);
        var b = model.Layout.Lnfb.In(model.Parameters);
        for (var c = 0; c < g.Length; c++) (g[c], b[c]) = (0.5f + (float)random.NextDouble(), (float)random.NextDouble() - 0.5f);
        var sae = new Fpo.Sae.SaeWeights(new Fpo.Sae.SaeConfig { Architecture = Fpo.Sae.SaeArchitecture.ReLU, InputSize = 32, Latents = 8, Layer = 1 });
        for (var i = 0; i < sae.DecoderWeight.Length; i++) sae.DecoderWeight[i] = (float)(random.NextDouble() * 2 - 1);
        var (promoted, suppressed) = LogitLens.Of(model, sae).Top(5, 6);
        // Directly: LayerNorm(d) = (d − mean)/sqrt(var + eps)·g + b, unembedded, minus the unembedded bias, is the lens
        // scaled by 1/sqrt(var + eps): the same ranking.
        int C = 32, V = config.VocabSize;
        var d = sae.DecoderWeight.AsSpan(5 * C, C).ToArray().Select(x => (double)x).ToArray();
        double mean = d.Average(), variance = d.Select(x => (x - mean) * (x - mean)).Average(), scale = 1 / Math.Sqrt(variance + config.NormEps);
        var wte = model.Layout.Wte.In(model.Parameters);
        var direct = new double[V];
        for (var v = 0; v < V; v++)
            for (var c = 0; c < C; c++)
                direct[v] += wte[v * C + c] * (((d[c] - mean) * scale * g[c]) + b[c]) - wte[v * C + c] * b[c];
        var order = Enumerable.Range(0, V).OrderByDescending(v => direct[v]).ThenBy(v => v).ToArray();
        Assert.Equal(order.Take(6), promoted.Select(p => p.Token));
        Assert.Equal(order.Reverse().Take(6), suppressed.Select(p => p.Token));
        foreach (var (token, logit) in promoted) Assert.Equal(direct[token], logit * scale, 1e-4);
    }

    /// <summary>Statistics of N tokens where latent j is active with value a on its first n tokens.</summary>
    internal static FeatureStatistics Stats(int N, (int Latent, float Value, int Tokens)[] active)
    {
        var stats = new FeatureStatistics(8, 2, 1);
        var rowStart = new int[N + 1];
        var latents = new List<int>();
        var values = new List<float>();
        for (var t = 0; t < N; t++)
        {
            foreach (var (j, a, n) in active)
                if (t < n)
                {
                    latents.Add(j);
                    values.Add(a);
                }
            rowStart[t + 1] = latents.Count;
        }
        stats.AddSequence(0, new int[N], rowStart, [.. latents], [.. values]);
        return stats;
    }

    private static (long Id, int[] Tokens, int[] RowStart, int[] Latents, float[] Values) Sequence(Random random, int latents, long id)
    {
        var T = random.Next(3, 12);
        var tokens = Enumerable.Range(0, T).Select(_ => random.Next(0, 250)).ToArray();
        var rowStart = new int[T + 1];
        var ids = new List<int>();
        var values = new List<float>();
        for (var t = 0; t < T; t++)
        {
            foreach (var j in Enumerable.Range(0, latents).OrderBy(_ => random.Next()).Take(random.Next(0, 4)).Order())
            {
                ids.Add(j);
                values.Add((float)Math.Round(random.NextDouble() * 3, 3) + 0.001f);
            }
            rowStart[t + 1] = ids.Count;
        }
        return (id, tokens, rowStart, [.. ids], [.. values]);
    }
}
