using Fpo.Alignment.Explanations;
using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Silo.SiloApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// The silo's API on ASP.NET Core's in-memory test server (what WebApplicationFactory wraps) over a
/// <see cref="ClusterRunView"/> of a fresh embedded backbone holding snapshot 0 of the tiny model, with a random SAE;
/// or, for a browser, the same API listening on a free loopback port.
/// </summary>
internal sealed class InMemoryApi : IAsyncDisposable
{
    private readonly string _dir;
    private readonly WebApplication _app;

    private InMemoryApi(string dir, IRunStores stores, WebApplication app, SaeWeights sae, bool overHttp)
    {
        (_dir, Stores, _app, Sae) = (dir, stores, app, sae);
        Http = overHttp ? new HttpClient { BaseAddress = new Uri(app.Urls.First()) } : app.GetTestClient();
    }

    public IRunStores Stores { get; }
    public SaeWeights Sae { get; }
    public HttpClient Http { get; }

    /// <summary>
    /// Starts the API; <paramref name="explanations"/> go to the SAE folder's explanations.json as `fpo sae explain`
    /// writes them; <paramref name="overHttp"/> listens on a free loopback port (<see cref="Http"/>'s base address).
    /// </summary>
    public static async Task<InMemoryApi> StartAsync(int latents = 16, IReadOnlyList<FeatureExplanation>? explanations = null, bool overHttp = false)
    {
        var dir = Directory.CreateTempSubdirectory("fpo-api-memory-").FullName;
        var saeDir = Path.Combine(dir, "sae");
        Directory.CreateDirectory(saeDir);
        if (explanations is not null) ExplanationStore.Save(saeDir, explanations);
        var config = ModelConfig.CreateGpt2(TinyModelFolder.Tokenizer.VocabSize, 32, layers: 2, channels: 32, heads: 4);
        var stores = EmbeddedRunStores.Open(dir);
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, PolicySnapshot.Files(new TransformerModel(config, seed: 2)), [], 0), CancellationToken.None);
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 32, Latents = latents, Layer = 1 });
        var random = new Random(7);
        for (var i = 0; i < sae.DecoderWeight.Length; i++) sae.DecoderWeight[i] = (float)(random.NextDouble() * 2 - 1);
        var model = await RunModel.CreateAsync(stores, config, TinyModelFolder.Tokenizer, sae, saeDir, driftTopK: 4, CancellationToken.None);
        var app = SiloApiServer.Create(new SiloApiOptions { Port = 0, ServeOpenAi = false, AlertMinTokens = 1 }, new ClusterRunView(stores, model),
            overHttp ? null : builder => builder.WebHost.UseTestServer());
        await app.StartAsync(CancellationToken.None);
        return new InMemoryApi(dir, stores, app, sae, overHttp);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        await Stores.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
