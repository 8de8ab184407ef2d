using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Grains.Loop;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>Stopping and starting the in-process loop through the API, as `fpo loop` runs it.</summary>
public sealed class RunControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stop_ends_the_loop_cleanly_and_start_releases_the_runner()
    {
        await using var loop = await LiveLoop.StartAsync(maxSnapshots: 50);
        loop.Run();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await loop.Stores.Snapshots.LatestAsync(Ct))!.Version < 1) await Task.Delay(50, wait.Token);
        Assert.Equal(HttpStatusCode.Conflict, (await loop.Http.PostAsync("/api/run/start", null, Ct)).StatusCode);

        var stopped = await loop.Http.PostAsync("/api/run/stop", null, Ct);
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Equal(RunStates.Stopping, (await stopped.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString());
        Assert.Equal(LoopStop.Requested, await loop.Finished.WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.True(loop.View.StoppedThroughApi);
        loop.View.Detach();
        var status = await loop.Http.GetFromJsonAsync<JsonElement>("/api/run", Ct);
        Assert.Equal(RunStates.Stopped, status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("pairsProduced").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.Conflict, (await loop.Http.PostAsync("/api/run/stop", null, Ct)).StatusCode);

        var started = loop.View.WaitForStartAsync(Ct);
        Assert.False(started.IsCompleted);
        Assert.Equal(HttpStatusCode.OK, (await loop.Http.PostAsync("/api/run/start", null, Ct)).StatusCode);
        await started.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }
}
