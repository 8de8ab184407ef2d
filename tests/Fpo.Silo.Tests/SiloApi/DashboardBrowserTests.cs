using System.Diagnostics;
using System.Globalization;
using Fpo.Grains.Contracts;
using Fpo.Grains.Stores;
using Microsoft.Playwright;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// The dashboard in Debian's chromium, headless, driven by Playwright against a short loop in this process: it loads
/// without console errors, the KL chart gains points as snapshots arrive, the feature table sorts by drift, and a
/// click on a latent opens its page with highlighted contexts; an alert shows its move, frequencies and q-value, on the
/// overview and on its latent's page. Screenshots go to the test output's artifacts folder.
/// Playwright's own browser download is never used: chromium must be installed (test.sh installs it).
/// </summary>
public sealed class DashboardBrowserTests
{
    public const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_dashboard_follows_a_running_loop_sorts_features_and_opens_a_latent()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (test.sh does: apt-get install chromium)");
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard");
        Directory.CreateDirectory(artifacts);
        var clock = Stopwatch.StartNew();
        await using var loop = await LiveLoop.StartAsync(maxSnapshots: 6);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var (page, errors) = await OpenPageAsync(browser);

        await page.GotoAsync(new Uri(loop.Api.Address, "#token=" + LiveLoop.Token).ToString());
        // The KL chart: every evaluation has a KL, while the win rate of an evaluation with no decided comparison is blank.
        var points = page.Locator("#chart-kl circle.point");
        await Expect(async () => await page.Locator("#run-state").TextContentAsync() == "running", "the dashboard's first status");
        // Snapshot 2 waits to be published until the page has shown the evaluations so far, so the chart must visibly grow.
        // (The evaluator scores the newest snapshot when it is free, so a snapshot published while it works is skipped:
        // the chart holds one point per evaluation, not per snapshot.)
        loop.Stores.HoldSnapshotsAfter(1);
        loop.Run();
        var held = await Expect(async () => (await loop.View.EvaluationsAsync(CancellationToken.None)) is { } e && e.Count > 0 && e[^1].Version == 1 ? e : null,
            "the evaluation of snapshot 1");
        await Expect(async () => await points.CountAsync() == held.Count, $"the KL chart shows the {held.Count} evaluations up to snapshot 1");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "0-overview-held-at-snapshot-1.png"), FullPage = true });
        loop.Stores.ReleaseSnapshots();
        await Expect(async () => await points.CountAsync() > held.Count, "the KL chart gains a point as a new snapshot is evaluated");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "1-overview-live.png"), FullPage = true });
        await loop.Finished.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        var evaluations = await loop.View.EvaluationsAsync(CancellationToken.None);
        Assert.Equal(6, evaluations[^1].Version);
        await Expect(async () => await points.CountAsync() == evaluations.Count, $"the KL chart shows all {evaluations.Count} evaluations");
        // The win-rate chart's summary: the last evaluation, its judge, and the length-controlled rate with its interval.
        var last = evaluations[^1];
        await Expect(async () => (await page.Locator("#win-summary").TextContentAsync() ?? "").StartsWith($"snapshot {last.Version} under judge {last.Judge}", StringComparison.Ordinal),
            "the win-rate summary names the last evaluation and its judge");
        Assert.Matches(@"LC \d+\.\d% \[\d+\.\d%, \d+\.\d%\]", await page.Locator("#win-summary").TextContentAsync());

        var rows = page.Locator("#features tbody tr");
        await page.ClickAsync("th[data-sort=frequency]");
        await Expect(async () => await page.Locator("th.sorted[data-sort=frequency]").CountAsync() == 1 && await rows.CountAsync() > 1, "the table sorted by frequency");
        await page.ClickAsync("th[data-sort=drift]");
        await Expect(async () => await page.Locator("th.sorted[data-sort=drift]").CountAsync() == 1, "the table sorted by drift");
        var drifts = await Expect(async () =>
        {
            var values = (await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.drift)")).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            return values.Count > 1 && values.SequenceEqual(values.OrderDescending()) && values[0] > 0 ? values : null;
        }, "the rows in descending order of drift");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "2-features-by-drift.png"), FullPage = true });

        var latent = await rows.First.GetAttributeAsync("data-latent");
        await rows.First.ClickAsync();
        await Expect(async () => await page.Locator("#latent-title").TextContentAsync() is { } t && t.StartsWith($"Latent {latent} ", StringComparison.Ordinal), "the latent page");
        var hot = page.Locator("#contexts-policy .tok.hot");
        await Expect(async () => await hot.CountAsync() > 0, "highlighted tokens in the latent's contexts");
        var background = await hot.First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.StartsWith("rgba(37, 99, 235", background);
        Assert.True(await page.Locator("#lens-promoted li").CountAsync() == 10, "the logit lens lists 10 promoted tokens");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "3-latent.png"), FullPage = true });

        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
        TestContext.Current.TestOutputHelper?.WriteLine($"top drift {drifts[0]:G4}, latent {latent}; {clock.Elapsed.TotalSeconds:F1} s; screenshots in {artifacts}: " +
            string.Join(", ", Directory.GetFiles(artifacts, "*.png").Order().Select(Path.GetFileName)));
    }

    [Fact]
    public async Task An_alert_shows_the_latents_move_its_frequencies_and_q_value_and_the_counts_on_hover()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (test.sh does: apt-get install chromium)");
        await using var api = await InMemoryApi.StartAsync(overHttp: true);
        // Latent 3 goes 2% → 6% of 2,000 tokens, latent 5 stays near 5%: one alert, q = 2p over the 2 latents tested.
        await api.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(0, FeatureSide.Policy), "d0", FeatureStatisticsApiTests.Stats(2000, [(3, 1f, 40), (5, 1f, 100)]), TestContext.Current.CancellationToken);
        await api.Stores.FeatureStats.MergeAsync(new FeatureStatsKey(1, FeatureSide.Policy), "d1", FeatureStatisticsApiTests.Stats(2000, [(3, 1f, 120), (5, 1f, 110)]), TestContext.Current.CancellationToken);
        var q = (2 * TwoProportionTest.PValue(40, 2000, 120, 2000)).ToString("0.00e-0", CultureInfo.InvariantCulture);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var (page, errors) = await OpenPageAsync(browser);

        await page.GotoAsync(api.Http.BaseAddress!.ToString());
        var alert = page.Locator("#alerts li[data-latent='3']");
        await Expect(async () => await alert.CountAsync() == 1, "the alert of latent 3");

        Assert.Equal($"latent 3 rose ×3.00 (2.00% → 6.00%, q={q}) at snapshot 0→1", await alert.TextContentAsync());
        Assert.Equal(1, await page.Locator("#alerts li").CountAsync());
        Assert.StartsWith("40 of 2000 tokens → 120 of 2000; p = ", await alert.GetAttributeAsync("title"), StringComparison.Ordinal);
        await alert.ClickAsync();
        var onPage = page.Locator("#latent-alerts li");
        await Expect(async () => await onPage.CountAsync() == 1, "the alert on latent 3's page");
        Assert.Equal($"rose ×3.00 (2.00% → 6.00%, q={q}) at snapshot 0→1", await onPage.TextContentAsync());
        Assert.True(errors.Count == 0, "console errors: " + string.Join(" | ", errors));
    }

    // Debian's chromium, headless, with nothing of its own going to the network.
    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Chromium,
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    // A page that collects its console errors and uncaught exceptions.
    private static async Task<(IPage Page, List<string> Errors)> OpenPageAsync(IBrowser browser)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") errors.Add(message.Text);
        };
        page.PageError += (_, error) => errors.Add(error);
        return (page, errors);
    }

    // Polls the page (the dashboard refreshes every two seconds) until the condition holds; fails naming what was awaited.
    private static async Task Expect(Func<Task<bool>> condition, string what) =>
        await Expect(async () => await condition() ? true : (object?)null, what);

    private static async Task<T> Expect<T>(Func<Task<T?>> value, string what) where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await value() is { } found) return found;
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
