using System.Net.Http.Headers;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Training;
using Fpo.Grains.Embedded;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Silo.Cli;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// A short loop in this process on the tiny test model (a random ReLU SAE at layer 1, a judge that prefers one-word
/// responses), with the silo's API on a free 127.0.0.1 port over its <see cref="LoopRunView"/>, and a client that
/// sends the token. The loop starts with <see cref="Run"/>; <see cref="Finished"/> completes when it stops at its snapshot limit.
/// </summary>
internal sealed class LiveLoop : IAsyncDisposable
{
    public const string Token = "test-token-123";

    private readonly string _dir;
    private readonly CancellationTokenSource _kill;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LiveLoop(string dir, RecordingStores stores, LoopHost host, LoopRunView view, RunningSiloApi api, CancellationTokenSource kill)
    {
        (_dir, Stores, Host, View, Api, _kill) = (dir, stores, host, view, api, kill);
        Finished = _started.Task.ContinueWith(_ => host.RunAsync(CancellationToken.None, kill.Token), TaskScheduler.Default).Unwrap();
        Http = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Anonymous = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public RecordingStores Stores { get; }
    public LoopHost Host { get; }
    public LoopRunView View { get; }
    public RunningSiloApi Api { get; }
    public Task<LoopStop> Finished { get; }
    public HttpClient Http { get; }
    public HttpClient Anonymous { get; }
    public SaeWeights Sae => View.Model.Sae!;

    public static async Task<LiveLoop> StartAsync(int maxSnapshots, string? token = Token)
    {
        var dir = Directory.CreateTempSubdirectory("fpo-live-api-").FullName;
        TinyModelFolder.Write(Path.Combine(dir, "model"));
        var (policy, tokenizer) = ModelFolder.Load(Path.Combine(dir, "model"));
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 32, Latents = 64, Layer = 1 });
        var random = new Random(5);
        for (var i = 0; i < sae.EncoderWeight.Length; i++) sae.EncoderWeight[i] = (float)(random.NextDouble() * 2 - 1) * 0.3f;
        for (var i = 0; i < sae.DecoderWeight.Length; i++) sae.DecoderWeight[i] = (float)(random.NextDouble() * 2 - 1) * 0.3f;
        string[] words = ["the cat", "a dog", "on the mat", "with dogs", "sat", "the"];
        var judge = new ConstitutionJudge([new Principle("short", 1, new LengthWindowScore(0, 1))], temperature: 0.1, margin: 0.05, name: "short");
        var assets = new LoopAssets(policy, tokenizer, sae, null, judge,
            [.. Enumerable.Range(0, 48).Select(i => $"{words[i % words.Length]} {i}")], [.. Enumerable.Range(0, 16).Select(i => $"{words[(i + 2) % words.Length]} {50 + i}")]);
        var settings = new LoopSettings
        {
            Rollout = new RolloutSettings { BatchPrompts = 8, MaxNewTokens = 8, StatisticsTopN = 6, StatisticsContextRadius = 6 },
            Trainer = new TrainerSettings
            {
                Training = new PreferenceTrainingSettings { Method = "fpo", LearningRate = 1e-2f, Schedule = "constant", BatchSize = 8 },
                SnapshotEvery = 2,
                MaxPolicyLag = 3,
                BatchWait = TimeSpan.FromSeconds(1),
            },
            Evaluator = new EvaluatorSettings { MaxNewTokens = 8, DriftTopK = 8 },
            MaxInFlight = 32,
            MaxSnapshots = maxSnapshots,
            FeatureShardSize = 16,
        };
        var stores = new RecordingStores(EmbeddedRunStores.Open(dir));
        var host = await LoopHost.OpenAsync(stores, assets, settings, dir, TestContext.Current.CancellationToken, configureSilo: OrleansDashboardApi.AddToSilo);
        stores.Record(host);
        var model = await RunModel.CreateAsync(stores, assets, settings, TestContext.Current.CancellationToken);
        var view = new LoopRunView(stores, model);
        view.Attach(host);
        var api = await SiloApiServer.StartAsync(new SiloApiOptions { Port = 0, Token = token, AlertMinTokens = 16 }, view, TestContext.Current.CancellationToken);
        return new LiveLoop(dir, stores, host, view, api, new CancellationTokenSource());
    }

    public void Run() => _started.TrySetResult();

    /// <summary>The snapshot-0 reference as a model (the drift's reference side).</summary>
    public async Task<TransformerModel> SnapshotModelAsync(long version)
    {
        var model = new TransformerModel(View.Model.Config);
        PolicySnapshot.Load(await Stores.Snapshots.GetAsync(version, CancellationToken.None), model);
        return model;
    }

    public async ValueTask DisposeAsync()
    {
        Host.RequestStop();
        Run();
        try
        {
            await Finished.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await _kill.CancelAsync();
        }
        catch (OperationCanceledException)
        {
            // Killed above or already stopped.
        }
        Http.Dispose();
        Anonymous.Dispose();
        await Api.DisposeAsync();
        Host.Dispose();
        await Stores.DisposeAsync();
        _kill.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
