using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fpo.Silo.SiloApi;
using Microsoft.Playwright;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// The Orleans dashboard through the silo's API of a running loop: at /orleans/, behind the API's token (as a bearer
/// header or, for a browser, the password of HTTP Basic authentication), reading the loop's own silo, in Debian's
/// chromium too (a screenshot goes to the artifacts folder); 503 between runs.
/// </summary>
public sealed class OrleansDashboardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_dashboard_needs_the_token_and_shows_the_grains_of_the_loops_silo()
    {
        await using var loop = await LiveLoop.StartAsync(maxSnapshots: 50);
        loop.Run();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await loop.Stores.Snapshots.LatestAsync(Ct))!.Version < 1) await Task.Delay(50, wait.Token);

        var refused = await loop.Anonymous.GetAsync("/orleans/", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Problems.ContentType, refused.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("Basic ", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Basic(loop, "wrong-token").GetAsync("/orleans/DashboardCounters", Ct)).StatusCode);

        var page = await loop.Http.GetAsync("/orleans/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("index.min.js", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // The page's scripts poll JSON routes relative to it; a browser sends the token it was asked for once.
        // The dashboard's counters are at most a second old, so the trainer's activation shows within a few reads.
        using var browser = Basic(loop, LiveLoop.Token);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        JsonElement counters;
        while (!Lists(counters = await browser.GetFromJsonAsync<JsonElement>("/orleans/DashboardCounters", Ct), "TrainerGrain"))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"waited 30 s for the dashboard to list the loop's TrainerGrain: {counters}");
            await Task.Delay(200, Ct);
        }
        Assert.Equal(1, counters.GetProperty("totalActiveHostCount").GetInt32());

        await BrowseAsync(loop);

        Assert.Equal(HttpStatusCode.OK, (await loop.Http.PostAsync("/api/run/stop", null, Ct)).StatusCode);
        await loop.Finished.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        loop.View.Detach();
        var between = await loop.Http.GetAsync("/orleans/", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, between.StatusCode);
        Assert.Contains("resumes", await between.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    // Chromium asks for the token once (the 401's Basic challenge) and sends it with every request the page's scripts make.
    private static async Task BrowseAsync(LiveLoop loop)
    {
        Assert.True(File.Exists(DashboardBrowserTests.Chromium), $"{DashboardBrowserTests.Chromium} is missing: install Debian's chromium (test.sh does: apt-get install chromium)");
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts", "orleans-dashboard");
        Directory.CreateDirectory(artifacts);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = DashboardBrowserTests.Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            HttpCredentials = new HttpCredentials { Username = "operator", Password = LiveLoop.Token },
        });
        var failed = new List<string>();
        page.Response += (_, response) =>
        {
            // The first request is refused with the challenge the browser answers.
            if (response.Status >= 400 && response.Status != 401) failed.Add($"{response.Status} {response.Url}");
        };
        await page.GotoAsync(new Uri(loop.Api.Address, "orleans/#/grains").ToString());
        await page.GetByText("TrainerGrain").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "grains.png"), FullPage = true });
        Assert.True(failed.Count == 0, "failed requests: " + string.Join(" | ", failed));
    }

    private static bool Lists(JsonElement counters, string grainClass) => counters.GetProperty("simpleGrainStats").EnumerateArray()
        .Any(g => g.GetProperty("grainType").GetString()!.EndsWith("." + grainClass, StringComparison.Ordinal));

    private static HttpClient Basic(LiveLoop loop, string password)
    {
        var client = new HttpClient { BaseAddress = loop.Api.Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + password)));
        return client;
    }
}
