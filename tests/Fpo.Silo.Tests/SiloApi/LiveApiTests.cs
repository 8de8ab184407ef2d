using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;
using Fpo.Silo.SiloApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>The silo's API over real HTTP on a short loop running in this process (<see cref="LiveLoopFixture"/>).</summary>
public sealed class LiveApiTests(LiveLoopFixture fixture) : IClassFixture<LiveLoopFixture>
{
    private LiveLoop Loop => fixture.Loop;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void During_the_loop_the_status_follows_the_snapshots_and_the_newest_feature_table_only_grows()
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"loop of {LiveLoopFixture.Snapshots} snapshots took {fixture.LoopTime.TotalSeconds:F1} s; status read {fixture.VersionsSeen.Count} times: {string.Join(",", fixture.VersionsSeen.Distinct())}");
        Assert.Equal(0, fixture.VersionsSeen[0]);
        Assert.Equal(LiveLoopFixture.Snapshots, fixture.VersionsSeen[^1]);
        Assert.Equal(fixture.VersionsSeen.Order(), fixture.VersionsSeen);
        Assert.Contains(fixture.TablesSeen, t => t.PolicyTokens > 0);
        Assert.Equal(fixture.TablesSeen.OrderBy(t => t.Version).ThenBy(t => t.PolicyTokens), fixture.TablesSeen);
        // The 64-latent SAE in shards of 16: a table read while the loop ran asked the 4 grains of its version.
        Assert.True(fixture.FeatureShardsSeen >= 4, $"the loop's silo held {fixture.FeatureShardsSeen} FeatureStats grains");
    }

    [Fact]
    public async Task Statistics_change_between_snapshots()
    {
        var summary = await Loop.Http.GetFromJsonAsync<JsonElement>("/api/features/snapshots", Ct);
        var versions = summary.EnumerateArray().Select(s => s.GetProperty("version").GetInt64()).ToList();
        Assert.True(versions.Count >= 2, $"statistics for at least two snapshots, got {versions.Count}");
        var first = await Table(versions[0]);
        var last = await Table(versions[^1]);
        Assert.NotEqual(0, first.GetProperty("policyTokens").GetInt64());
        Assert.NotEqual(Means(first), Means(last));
        var status = await Loop.Http.GetFromJsonAsync<JsonElement>("/api/run", Ct);
        Assert.Equal(LiveLoopFixture.Snapshots, status.GetProperty("snapshotVersion").GetInt64());
        Assert.True(status.GetProperty("pairsProduced").GetInt64() > 0);
        Assert.Equal(["annotated", "pairs", "preferences", "prompts"], status.GetProperty("queues").EnumerateObject().Select(q => q.Name).Order());

        static string Means(JsonElement table) => string.Join(",", table.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("drift").GetProperty("policyMean").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task The_drift_of_each_latent_equals_a_direct_computation_over_the_same_responses()
    {
        var checkedVersions = 0;
        foreach (var version in Loop.Stores.Pairs.Values.Select(p => p.PolicyVersion).Distinct().Order())
        {
            var policyPairs = Loop.Stores.Pairs.Values.Where(p => p.PolicyVersion == version).ToList();
            var referencePairs = Loop.Stores.Annotated.Values.Where(p => p.PolicyVersion == version).ToList();
            if (referencePairs.Count == 0) continue;
            var policy = Direct(await Loop.SnapshotModelAsync(version), policyPairs);
            var reference = Direct(await Loop.SnapshotModelAsync(0), referencePairs);
            var table = await Table(version);
            Assert.Equal(policy.Tokens, table.GetProperty("policyTokens").GetInt64());
            Assert.Equal(reference.Tokens, table.GetProperty("referenceTokens").GetInt64());
            // D_fpo pooled over the snapshot's response tokens, computed here from the raw sums.
            double[] cp = [.. policy.Sums.Select(s => s / policy.Tokens)], cr = [.. reference.Sums.Select(s => s / reference.Tokens)];
            var set = TopK(cp, 8).Union(TopK(cr, 8)).ToHashSet();
            var drift = set.Sum(j => (cp[j] - cr[j]) * (cp[j] - cr[j])) / set.Count;
            Assert.Equal(drift, table.GetProperty("drift").GetDouble(), 1e-6 + drift * 1e-4);
            Assert.Equal(set.Count, table.GetProperty("featureSetSize").GetInt32());
            foreach (var row in table.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("drift")))
            {
                var j = row.GetProperty("latent").GetInt32();
                Assert.Equal(cp[j], row.GetProperty("policyMean").GetDouble(), 1e-5);
                Assert.Equal(cr[j], row.GetProperty("referenceMean").GetDouble(), 1e-5);
                Assert.Equal(cp[j] - cr[j], row.GetProperty("meanDifference").GetDouble(), 1e-5);
                Assert.Equal((double)policy.Counts[j] / policy.Tokens, row.GetProperty("policyFrequency").GetDouble(), 1.01 / policy.Tokens);
                Assert.Equal((double)reference.Counts[j] / reference.Tokens, row.GetProperty("referenceFrequency").GetDouble(), 1.01 / reference.Tokens);
                var contribution = set.Contains(j) ? (cp[j] - cr[j]) * (cp[j] - cr[j]) / set.Count : 0;
                Assert.Equal(contribution, row.GetProperty("driftContribution").GetDouble(), 1e-6);
            }
            checkedVersions++;
        }
        Assert.True(checkedVersions >= 2, $"checked {checkedVersions} versions");
    }

    [Fact]
    public async Task Without_the_token_every_route_but_healthz_and_the_dashboard_is_401_with_problem_details()
    {
        foreach (var path in new[] { "/api/run", "/api/features", "/api/snapshots", "/api/alerts", "/metrics", "/readyz", "/openapi.json", "/api/features/3" })
        {
            var response = await Loop.Anonymous.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(Problems.ContentType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(401, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetInt32());
            Assert.Equal(HttpStatusCode.OK, (await Loop.Http.GetAsync(path, Ct)).StatusCode);
        }
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/run");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LiveLoop.Token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Loop.Anonymous.SendAsync(wrong, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Loop.Anonymous.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Loop.Anonymous.GetAsync("/", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Loop.Anonymous.PostAsync("/v1/completions", JsonContent.Create(new { model = "fpo-policy", prompt = "the" }), Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/api/features?sort=loudness", "sort")]
    [InlineData("/api/features?order=sideways", "order")]
    [InlineData("/api/features?limit=0", "limit")]
    [InlineData("/api/features?limit=1001", "limit")]
    [InlineData("/api/features?limit=ten", "limit")]
    [InlineData("/api/features?offset=-1", "offset")]
    [InlineData("/api/features?min_frequency=1.5", "min_frequency")]
    [InlineData("/api/features?min_frequency=NaN", "min_frequency")]
    [InlineData("/api/features?version=-2", "version")]
    [InlineData("/api/features?version=abc", "version")]
    [InlineData("/api/features?version=1&version=2", "version")]
    [InlineData("/api/features?sortt=drift", "sortt")]
    [InlineData("/api/features/64", "latent")]
    [InlineData("/api/features/-1", "latent")]
    [InlineData("/api/features/99999999999999999999", "latent")]
    [InlineData("/api/features/1?contexts=65", "contexts")]
    [InlineData("/api/features/1?lens=0", "lens")]
    [InlineData("/api/alerts?factor=1", "factor")]
    [InlineData("/api/alerts?factor=inf", "factor")]
    [InlineData("/api/alerts?min_frequency=0", "min_frequency")]
    [InlineData("/api/snapshots/x1", "version")]
    [InlineData("/api/snapshots/-3/download", "version")]
    [InlineData("/api/run/steps?limit=100000", "limit")]
    [InlineData("/api/run/steps?after=-5", "after")]
    [InlineData("/api/run?verbose=1", "verbose")]
    [InlineData("/metrics?x=1", "x")]
    public async Task An_invalid_request_gets_a_problem_details_400_naming_the_parameter(string path, string parameter)
    {
        var response = await Loop.Http.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal(Problems.ContentType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Unknown_ids_and_routes_are_404_and_a_large_body_is_413_as_problem_details()
    {
        foreach (var path in new[] { "/api/snapshots/999", "/api/features?version=999", "/api/nothing", "/dashboard/../secret" })
        {
            var response = await Loop.Http.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(Problems.ContentType, response.Content.Headers.ContentType?.MediaType);
        }
        // Expect: 100-continue lets the server refuse before the client sends the body (it would otherwise write into a closed connection).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/run/start") { Content = new ByteArrayContent(new byte[2 << 20]) };
        request.Headers.ExpectContinue = true;
        var large = await Loop.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(Problems.ContentType, large.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Metrics_parse_as_Prometheus_text_and_name_the_batches_waiting_per_stream()
    {
        foreach (var text in fixture.MetricsSeen.Take(3).Append(await Loop.Http.GetStringAsync("/metrics", Ct)))
        {
            var samples = PrometheusSamples.Parse(text);
            foreach (var name in new[] { "fpo_snapshot_version", "fpo_pairs_produced_total", "fpo_judge_abstentions_total", "fpo_judge_calls_total", "dotnet_process_cpu_time_seconds_total", "dotnet_gc_collections_total" })
                Assert.Contains(samples, s => s.Name == name);
            foreach (var stream in new[] { "prompts", "pairs", "annotated", "preferences" })
                Assert.Contains(samples, s => s.Name == "fpo_stream_records" && s.Labels.Contains($"stream=\"{stream}\"") && s.Labels.Contains("state=\"pending\""));
        }
        var final = PrometheusSamples.Parse(await Loop.Http.GetStringAsync("/metrics", Ct));
        Assert.Equal(LiveLoopFixture.Snapshots, final.Single(s => s.Name == "fpo_snapshot_version").Value);
        foreach (var name in new[] { "fpo_trainer_loss", "fpo_eval_win_rate", "fpo_eval_kl_per_token", "fpo_eval_feature_drift", "fpo_feature_drift" })
            Assert.Contains(final, s => s.Name == name);
    }

    [Fact]
    public async Task Metrics_show_the_silo_from_Orleans_meter_beside_the_run_from_ours()
    {
        // Orleans' meter: while the loop ran, its trainer grain was an activation of the silo in this process.
        Assert.Contains(fixture.MetricsSeen.Select(PrometheusSamples.Parse), samples =>
            samples.Any(s => s.Name == "orleans_catalog_activations" && s.Labels == "{grain_type=\"trainer\"}" && s.Value == 1));
        var text = await Loop.Http.GetStringAsync("/metrics", Ct);
        var final = PrometheusSamples.Parse(text);
        Assert.True(final.Single(s => s.Name == "orleans_app_requests_latency_milliseconds_count").Value > 0, "grain calls counted by Orleans");
        // Ours: the counter as /api/run reports it, typed as a counter.
        var status = await Loop.Http.GetFromJsonAsync<JsonElement>("/api/run", Ct);
        Assert.Equal(status.GetProperty("trainerSteps").GetInt64(), final.Single(s => s.Name == "fpo_trainer_steps_total").Value);
        Assert.Contains("# TYPE fpo_trainer_steps_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fpo_trainer_step_seconds gauge\n", text, StringComparison.Ordinal);

        const int Scrapes = 20;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Scrapes; i++) await Loop.Http.GetStringAsync("/metrics", Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"/metrics: {text.Length:N0} characters, {final.Count} samples, {clock.Elapsed.TotalMilliseconds / Scrapes:F1} ms per scrape over {Scrapes}");
    }

    [Fact]
    public async Task Each_server_exports_its_own_run_even_beside_another_in_the_process()
    {
        await using var other = await InMemoryApi.StartAsync();
        var theirs = PrometheusSamples.Parse(await other.Http.GetStringAsync("/metrics", Ct));
        var ours = PrometheusSamples.Parse(await Loop.Http.GetStringAsync("/metrics", Ct));
        Assert.Equal(0, theirs.Single(s => s.Name == "fpo_snapshot_version").Value);
        Assert.Equal(LiveLoopFixture.Snapshots, ours.Single(s => s.Name == "fpo_snapshot_version").Value);
        Assert.DoesNotContain(theirs, s => s.Name == "fpo_trainer_steps_total");
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_route_with_its_methods()
    {
        var document = await Loop.Http.GetFromJsonAsync<JsonElement>("/openapi.json", Ct);
        var paths = document.GetProperty("paths");
        var endpoints = Loop.Api.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null).ToList();
        // The document does not describe itself nor the Orleans dashboard's routes (Orleans' own); nothing else is left out.
        Assert.Equal(["/openapi.json"], endpoints.Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true)
            .Select(e => e.RoutePattern.RawText).Where(route => !route!.StartsWith(OrleansDashboardApi.Prefix + "/", StringComparison.Ordinal)));
        var routes = endpoints.Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription != true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.True(routes.Count >= 15, $"{routes.Count} routes");
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"/openapi.json has no path {path}");
            Assert.True(item.TryGetProperty(method, out _), $"/openapi.json has no {method} for {path}");
        }
        Assert.Contains("contribution to D_fpo = (c_j(policy) - c_j(reference))^2 / |I_k|", document.GetProperty("info").GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_snapshot_downloads_as_its_weights_and_the_OpenAI_endpoints_serve_the_newest()
    {
        var response = await Loop.Http.GetAsync("/api/snapshots/2/download", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var content = await Loop.Stores.Snapshots.GetAsync(2, Ct);
        Assert.Equal(content.Files[PolicySnapshot.WeightsFile], await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(content.Info.Sha256, response.Headers.GetValues("X-Snapshot-Sha256").Single());
        var latest = await Loop.Http.GetFromJsonAsync<JsonElement>("/api/snapshots/latest", Ct);
        Assert.Equal(LiveLoopFixture.Snapshots, latest.GetProperty("version").GetInt64());
        Assert.Equal(LiveLoopFixture.Snapshots, latest.GetProperty("evaluation").GetProperty("version").GetInt64());

        var served = Loop.Api.App.Services.GetRequiredService<ApiServing>();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (served.Version != LiveLoopFixture.Snapshots) await Task.Delay(50, wait.Token);
        var completion = await Loop.Http.PostAsync("/v1/completions", JsonContent.Create(new { model = "fpo-policy", prompt = "the cat", max_tokens = 4, temperature = 0 }), Ct);
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.Equal("text_completion", (await completion.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("object").GetString());
        var ready = await Loop.Http.GetFromJsonAsync<JsonElement>("/readyz", Ct);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_latent_page_has_its_series_histogram_contexts_and_logit_lens()
    {
        var table = await Table(null);
        // The most-drifted latent the policy still fires on (the top one may be a latent it stopped using: no contexts).
        var latent = table.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("drift"))
            .First(d => d.GetProperty("policyCount").GetInt64() > 0).GetProperty("latent").GetInt32();
        var page = await Loop.Http.GetFromJsonAsync<JsonElement>($"/api/features/{latent}?contexts=3&lens=5", Ct);
        Assert.Equal(latent, page.GetProperty("latent").GetInt32());
        Assert.True(page.GetProperty("series").GetArrayLength() >= 2);
        Assert.Equal(34, page.GetProperty("histogram").GetProperty("policy").GetArrayLength());
        var contexts = page.GetProperty("policyContexts");
        Assert.InRange(contexts.GetArrayLength(), 1, 3);
        var context = contexts[0];
        var peak = context.GetProperty("tokens")[context.GetProperty("position").GetInt32() - context.GetProperty("windowStart").GetInt32()];
        Assert.Equal(context.GetProperty("activation").GetDouble(), peak.GetProperty("activation").GetDouble(), 1e-6);
        Assert.Equal(5, page.GetProperty("logitLens").GetProperty("promoted").GetArrayLength());
        var promoted = page.GetProperty("logitLens").GetProperty("promoted").EnumerateArray().Select(t => t.GetProperty("logit").GetDouble()).ToList();
        Assert.Equal(promoted.OrderDescending(), promoted);
    }

    private async Task<JsonElement> Table(long? version) =>
        await Loop.Http.GetFromJsonAsync<JsonElement>($"/api/features?limit=1000&sort=latent&order=asc{(version is { } v ? $"&version={v}" : "")}", Ct);

    // The statistics of the responses computed here: per response, the policy's residual at layer l at the positions that
    // predict response tokens, the SAE's ReLU codes there, summed per latent.
    private (long Tokens, double[] Sums, long[] Counts) Direct(TransformerModel model, IReadOnlyList<Fpo.Grains.Contracts.RolloutPair> pairs)
    {
        var sae = Loop.Sae;
        int D = sae.Config.InputSize, F = sae.Config.Latents, layer = sae.Config.Layer;
        var sums = new double[F];
        var counts = new long[F];
        long tokens = 0;
        foreach (var pair in pairs)
            foreach (var response in new[] { pair.ResponseATokens, pair.ResponseBTokens })
            {
                int[] inputs = [.. pair.PromptTokens, .. response];
                var T = inputs.Length;
                model.Forward(inputs, 1, T);
                var resid = model.ResidualPost(layer);
                for (var t = pair.PromptTokens.Length - 1; t < T - 1; t++)
                {
                    tokens++;
                    for (var f = 0; f < F; f++)
                    {
                        double pre = sae.EncoderBias[f];
                        for (var d = 0; d < D; d++) pre += (resid[t * D + d] - sae.DecoderBias[d]) * sae.EncoderWeight[f * D + d];
                        if (pre <= 0) continue;
                        sums[f] += pre;
                        counts[f]++;
                    }
                }
            }
        return (tokens, sums, counts);
    }

    private static IEnumerable<int> TopK(double[] c, int k) => Enumerable.Range(0, c.Length).Where(j => c[j] > 0).OrderByDescending(j => c[j]).ThenBy(j => j).Take(k);
}
