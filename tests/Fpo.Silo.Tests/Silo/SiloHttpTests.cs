using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.CommandLine;
using Fpo.Silo.Cli;
using Fpo.Testing;

namespace Fpo.Silo.Tests.Silo;

/// <summary>
/// `fpo silo` over HTTP while it runs: every silo answers /healthz, /readyz and /metrics (queue depths for the
/// autoscalers) from the start, and the api role takes the same address over with the full API and the Orleans
/// dashboard of its silo once the run's model is loaded; the token guards everything but /healthz.
/// </summary>
public sealed class SiloHttpTests : IDisposable
{
    private const string TokenVariable = "FPO_SILO_HTTP_TEST_TOKEN";
    private const string Token = "silo-http-test-token";
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-silo-http-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_silo_serves_probes_and_metrics_and_its_api_role_the_full_api_on_the_same_address()
    {
        var ct = TestContext.Current.CancellationToken;
        Environment.SetEnvironmentVariable(TokenVariable, Token);
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var silo = Run(stop.Token, "silo", "--config", Path.Combine(RepoPaths.Root, "silo-config", "api.yaml"),
            "--set", "backbone.kind=embedded", "--set", "backbone.run=http", "--set", "silo.name=http",
            "--set", "silo.roles=trainer,prompt_source,rollout,reference,judge,evaluator,api",
            "--set", $"run.runs={Path.Combine(_root, "runs")}", "--set", $"run.data={Path.Combine(_root, "data")}", "--set", $"silo.work={Path.Combine(_root, "work")}",
            "--set", "task.size=tiny", "--set", "trainer.snapshot_every=1", "--set", "trainer.batch_size=4",
            "--set", "trainer.batch_wait_seconds=1", "--set", "rollout.batch_prompts=4",
            "--set", $"api.port={port}", "--set", $"api.token_env={TokenVariable}", "--set", "api.serve_openai=false");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        // The probes answer while the run is still being prepared.
        await Until(async () => (await Get(http, "healthz", null)).StatusCode == HttpStatusCode.OK, silo, "/healthz answers");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(http, "metrics", null)).StatusCode);
        var sawProbeMetrics = false;
        var sawApi = false;
        await Until(async () =>
        {
            var metrics = await Get(http, "metrics", Token);
            var text = await metrics.Content.ReadAsStringAsync(ct);
            sawProbeMetrics |= text.Contains("fpo_silo_role{role=\"trainer\"", StringComparison.Ordinal) && text.Contains("fpo_stream_records{state=\"pending\",stream=\"prompts\"}", StringComparison.Ordinal);
            sawApi = (await Get(http, "api/run", Token)).StatusCode == HttpStatusCode.OK;
            return sawApi;
        }, silo, "the api role serves /api/run");
        Assert.True(sawProbeMetrics || sawApi, "neither the probe server's nor the API's metrics were seen");

        // The silo runs until stopped, so these answers come from the api role itself, not a server going away.
        var ready = await Send(http, "readyz", Token);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, "api/snapshots", null)).StatusCode);
        var metricsText = await (await Send(http, "metrics", Token)).Content.ReadAsStringAsync(ct);
        Assert.Contains("fpo_stream_records{state=\"pending\",stream=\"prompts\"}", metricsText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Send(http, "healthz", null)).StatusCode);
        // The api role's silo hosts the silo half of the Orleans dashboard, so its API serves the dashboard of this silo.
        var dashboard = await Send(http, "orleans/DashboardCounters", Token);
        Assert.True(dashboard.StatusCode == HttpStatusCode.OK, await dashboard.Content.ReadAsStringAsync(ct));

        await stop.CancelAsync();
        var (exit, output, error) = await silo;
        Assert.True(exit == 0, error + output);
        Assert.Contains($"http probes and metrics at http://127.0.0.1:{port}/", output, StringComparison.Ordinal);
        Assert.Contains($"http api: dashboard and API at http://127.0.0.1:{port}/", output, StringComparison.Ordinal);
        Assert.EndsWith("stopped cleanly", output.TrimEnd(), StringComparison.Ordinal);
    }

    // The CLI in process until the token asks it to stop, as SIGTERM does.
    private static async Task<(int Exit, string Out, string Error)> Run(CancellationToken stop, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        var exit = await Task.Run(() => FpoCli.Create().Parse(args).InvokeAsync(config, stop));
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<HttpResponseMessage> Send(HttpClient http, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<HttpResponseMessage> Get(HttpClient http, string path, string? token)
    {
        try
        {
            return await Send(http, path, token);
        }
        catch (HttpRequestException)
        {
            // Not listening yet, or the probe server is handing its address to the api role.
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        }
    }

    private static async Task Until(Func<Task<bool>> condition, Task<(int Exit, string Out, string Error)> silo, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await condition())
        {
            if (silo.IsCompleted)
            {
                var (exit, output, error) = await silo;
                Assert.Fail($"the silo ended (exit {exit}) before {what}:\n{error}{output}");
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
