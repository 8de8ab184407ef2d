using System.CommandLine;
using Fpo.Silo.Bench;
using Fpo.Silo.Bench.Cluster;
using Fpo.Tensors;
using Spectre.Console;

namespace Fpo.Silo.Cli;

/// <summary>`fpo bench …`: side-by-side benchmarks against PyTorch in one invocation, same threads.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks that run the same work in our engine and in PyTorch and print both and the ratio.");
        bench.Subcommands.Add(CreateEngine());
        bench.Subcommands.Add(CreateDecode());
        bench.Subcommands.Add(CreateSae());
        bench.Subcommands.Add(CreateServe());
        bench.Subcommands.Add(CreateLosses());
        bench.Subcommands.Add(CreateCluster());
        bench.Subcommands.Add(CreateSync());
        return bench;
    }

    private static Command CreateSync()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables (progress goes to stderr)." };
        var shape = new Option<string>("--shape") { Description = $"Model shape: {string.Join(", ", LatencyShapes.Names)} (random init).", DefaultValueFactory = _ => LatencyShapes.Gpt2Small };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats of each measurement (the best counts).", DefaultValueFactory = _ => 3 };
        var command = new Command("sync",
            "Snapshot sync costs: PolicySnapshot.Files and Load in F32 and BF16, and the WeightDelta (size, encode and apply MB/s) after one AdamW step of lr 1e-4; fp32 <-> bfloat16 conversion beside PyTorch's.")
        {
            json, shape, repeats,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            var name = parse.GetValue(shape)!;
            if (!LatencyShapes.Names.Contains(name)) throw new CliException($"--shape: unknown shape '{name}' (expected {string.Join(", ", LatencyShapes.Names)})");
            var count = parse.GetValue(repeats);
            if (count < 1) throw new CliException($"--repeats must be at least 1 (got {count})");
            var asJson = parse.GetValue(json);
            var result = SyncBenchmark.Run(name, count, line => Console.Error.WriteLine(line));
            if (asJson) Console.WriteLine(SyncBenchReport.Json(result));
            else SyncBenchReport.Print(result);
            return 0;
        });
        return command;
    }

    private static Command CreateCluster()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables (progress goes to stderr)." };
        var parts = new Option<string[]>("--parts")
        {
            Description = "What to measure: throughput (pairs judged/min, snapshots/h, CPU per role, snapshot-to-every-rollout lag), latency (snapshot " +
                "publish to the last rollout grain serving it) and failover (SIGKILL the rollout and the trainer silo: time to reactivation and to the next snapshot).",
            DefaultValueFactory = _ => [.. Parts],
            AllowMultipleArgumentsPerToken = true,
        };
        var minutes = new Option<double>("--minutes") { Description = "Throughput window per rollout-silo count, after warm-up.", DefaultValueFactory = _ => 2 };
        var rollouts = new Option<int[]>("--rollouts") { Description = "Rollout silo counts of the throughput part.", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var shapes = new Option<string[]>("--shapes")
        {
            Description = $"Model shapes of the latency part: {string.Join(", ", LatencyShapes.Names)} (random init; gpt2-small is a ~500 MB snapshot).",
            DefaultValueFactory = _ => [.. LatencyShapes.Names],
            AllowMultipleArgumentsPerToken = true,
        };
        var publishes = new Option<int>("--publishes") { Description = "Snapshots measured per shape and sync variant in the latency part (after one that follows snapshot 0).", DefaultValueFactory = _ => 3 };
        var sync = new Option<string[]>("--sync")
        {
            Description = $"How snapshots travel in the latency part: {string.Join(", ", SyncVariant.All.Select(v => v.Name))} (store, dtype, deltas between full versions; blob runs on an Azurite the benchmark starts).",
            DefaultValueFactory = _ => [.. SyncVariant.All.Select(v => v.Name)],
            AllowMultipleArgumentsPerToken = true,
        };
        var data = new Option<string>("--data") { Description = "Folder where the tiny task is prepared and cached.", DefaultValueFactory = _ => "data" };
        var logs = new Option<DirectoryInfo>("--logs") { Description = "Keep every silo's output as DIR/PART-SILO.log (they are deleted with the benchmark's working folder otherwise)." };
        var quick = new Option<bool>("--quick") { Description = "A short run (a few minutes on 2 cores): 0.5-minute windows, 1 rollout silo, the tiny shape, 2 publishes; explicit options still apply." };
        var command = new Command("cluster",
            "Real fpo silo processes (Orleans silos) on a throwaway PostgreSQL: pairs judged per minute and snapshots per hour for 1 and 2 rollout silos with each role's CPU share, snapshot publish-to-serving time and bytes moved for the tiny and GPT-2-small shapes (PostgreSQL and blob stores, fp32 and bf16, full and delta, beside a plain file copy), and failover of a killed rollout and trainer silo (no PyTorch counterpart).")
        {
            json, parts, minutes, rollouts, shapes, publishes, sync, data, logs, quick,
        };
        command.SetAction(async (parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var selected = parse.GetValue(parts)!;
            foreach (var part in selected)
                if (!Parts.Contains(part)) throw new CliException($"--parts: unknown part '{part}' (expected {string.Join(", ", Parts)})");
            var isQuick = parse.GetValue(quick);
            bool QuickDefault(Option option) => isQuick && parse.GetResult(option) is not { Implicit: false };
            var window = QuickDefault(minutes) ? 0.5 : parse.GetValue(minutes);
            if (window <= 0) throw new CliException($"--minutes must be positive (got {window})");
            var counts = QuickDefault(rollouts) ? [1] : parse.GetValue(rollouts)!;
            if (counts.Any(c => c < 1)) throw new CliException("--rollouts must be counts of at least 1");
            var shapeNames = QuickDefault(shapes) ? [LatencyShapes.Tiny] : parse.GetValue(shapes)!;
            foreach (var shape in shapeNames)
                if (!LatencyShapes.Names.Contains(shape)) throw new CliException($"--shapes: unknown shape '{shape}' (known: {string.Join(", ", LatencyShapes.Names)})");
            var publishCount = QuickDefault(publishes) ? 2 : parse.GetValue(publishes);
            if (publishCount < 1) throw new CliException($"--publishes must be at least 1 (got {publishCount})");
            var variants = new List<SyncVariant>();
            foreach (var name in parse.GetValue(sync)!)
                variants.Add(SyncVariant.All.FirstOrDefault(v => v.Name == name)
                    ?? throw new CliException($"--sync: unknown variant '{name}' (expected {string.Join(", ", SyncVariant.All.Select(v => v.Name))})"));
            var configDir = Path.Combine(Environment.GetEnvironmentVariable("FPO_REPO_ROOT") ?? Directory.GetCurrentDirectory(), "silo-config");
            if (!File.Exists(Path.Combine(configDir, "rollout.yaml"))) throw new CliException($"{configDir}: no role configs (rollout.yaml, ...); run ./fpo bench cluster from the repository");
            var options = new ClusterBenchOptions
            {
                ConfigDir = configDir,
                DataDir = Path.GetFullPath(parse.GetValue(data)!),
                Window = TimeSpan.FromMinutes(window),
                RolloutSilos = selected.Contains("throughput") ? counts : [],
                Shapes = selected.Contains("latency") ? shapeNames : [],
                Publishes = publishCount,
                Sync = variants,
                Failover = selected.Contains("failover"),
                LogsDir = parse.GetValue(logs) is { } keep ? Directory.CreateDirectory(keep.FullName).FullName : null,
            };
            var asJson = parse.GetValue(json);
            ClusterBenchResult result = null!;
            try
            {
                if (!asJson && AnsiConsole.Profile.Capabilities.Interactive)
                    await AnsiConsole.Status().StartAsync("starting", async ctx =>
                        result = await ClusterBenchmark.RunAsync(options, text => ctx.Status(Markup.Escape(text)), cancel).ConfigureAwait(false)).ConfigureAwait(false);
                else
                    result = await ClusterBenchmark.RunAsync(options, ProgressLines(parse.InvocationConfiguration.Error), cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                parse.InvocationConfiguration.Error.WriteLine("fpo: bench cluster interrupted; its silos and PostgreSQL are stopped");
                return 130;
            }
            if (asJson) parse.InvocationConfiguration.Output.WriteLine(ClusterBenchReport.Json(result));
            else ClusterBenchReport.Print(result);
            return 0;
        });
        return command;
    }

    private static readonly string[] Parts = ["throughput", "latency", "failover"];

    // Off a terminal: a line when the stage changes and at most every ten seconds within one.
    private static Action<string> ProgressLines(TextWriter error)
    {
        var last = DateTime.MinValue;
        var stage = "";
        return text =>
        {
            var head = text.Split(':')[0];
            if (head == stage && DateTime.UtcNow - last < TimeSpan.FromSeconds(10)) return;
            (stage, last) = (head, DateTime.UtcNow);
            error.WriteLine($"fpo bench cluster: {text}");
        };
    }

    private static Command CreateServe()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of a table." };
        var requests = new Option<int>("--requests") { Description = "Chat requests sent at once.", DefaultValueFactory = _ => 64 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens generated per request (ignore_eos).", DefaultValueFactory = _ => 32 };
        var maxBatch = new Option<int>("--max-batch") { Description = "The server's KV cache slots (fpo serve's default).", DefaultValueFactory = _ => 16 };
        var command = new Command("serve",
            "fpo serve in process with a tiny model and an HTTP client firing concurrent chat requests: requests/s, tokens/s, p50/p95 latency (no PyTorch counterpart).")
        {
            json, requests, newTokens, maxBatch,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            int count = parse.GetValue(requests), tokens = parse.GetValue(newTokens), batch = parse.GetValue(maxBatch);
            if (count < 1 || batch < 1) throw new CliException($"--requests and --max-batch must be at least 1 (got {count}, {batch})");
            if (tokens < 1 || tokens > 200) throw new CliException($"--new-tokens must be in [1, 200] (the bench model has 256 positions; got {tokens})");
            var asJson = parse.GetValue(json);
            if (!asJson) AnsiConsole.MarkupLine($"[grey]fpo serve: {count} concurrent chat requests on {ComputeThreads.Count} threads…[/]");
            var result = ServeBenchmark.Run(count, tokens, batch, ComputeThreads.Count);
            if (asJson) Console.WriteLine(ServeBenchReport.Json(result));
            else ServeBenchReport.Print(result);
            return 0;
        });
        return command;
    }

    private static Command CreateDecode()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of a table." };
        var shapes = new Option<string[]>("--shapes")
        {
            Description = $"Model shapes: {string.Join(", ", DecodeShape.All.Select(s => s.Name))}.",
            DefaultValueFactory = _ => [.. DecodeShape.Default.Select(s => s.Name)],
            AllowMultipleArgumentsPerToken = true,
        };
        var batches = new Option<int[]>("--batches")
        {
            Description = "Sequences decoded side by side.",
            DefaultValueFactory = _ => [1, 16],
            AllowMultipleArgumentsPerToken = true,
        };
        var newTokens = new Option<int>("--new-tokens") { Description = "Timed decode steps per run.", DefaultValueFactory = _ => 64 };
        var prompt = new Option<int>("--prompt") { Description = "Prompt tokens per sequence (prefilled, untimed).", DefaultValueFactory = _ => 16 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per engine after one warm-up; the median counts.", DefaultValueFactory = _ => 3 };
        var command = new Command("decode",
            "Greedy KV-cached decode tokens/s (fp32 and bf16 weights) beside PyTorch's eager loop, and the memory-bandwidth bound.")
        {
            json, shapes, batches, newTokens, prompt, repeats,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            var threadCount = ComputeThreads.Count;
            var selected = parse.GetValue(shapes)!.Select(name => DecodeShape.All.FirstOrDefault(s => s.Name == name)
                ?? throw new CliException($"--shapes: unknown shape '{name}' (known: {string.Join(", ", DecodeShape.All.Select(s => s.Name))})")).ToList();
            var batchSizes = parse.GetValue(batches)!;
            if (batchSizes.Length == 0 || batchSizes.Any(b => b < 1)) throw new CliException("--batches must be one or more sizes of at least 1");
            int steps = parse.GetValue(newTokens), promptLength = parse.GetValue(prompt), repeatCount = parse.GetValue(repeats);
            if (steps < 1) throw new CliException($"--new-tokens must be at least 1 (got {steps})");
            if (promptLength < 1) throw new CliException($"--prompt must be at least 1 (got {promptLength})");
            if (repeatCount < 1) throw new CliException($"--repeats must be at least 1 (got {repeatCount})");
            var asJson = parse.GetValue(json);

            if (!asJson) AnsiConsole.MarkupLine($"[grey]copy bandwidth on {threadCount} threads…[/]");
            var bandwidth = MemoryBandwidth.CopyBytesPerSecond(threadCount);
            var results = new List<DecodeResult>();
            foreach (var shape in selected)
                foreach (var batch in batchSizes)
                {
                    if (!asJson) AnsiConsole.MarkupLine($"[grey]decode {shape.Name} batch {batch} on {threadCount} threads…[/]");
                    results.Add(DecodeBenchmark.Run(shape, batch, threadCount, promptLength, steps, repeatCount, bandwidth));
                }
            if (asJson) Console.WriteLine(DecodeReport.Json(results));
            else DecodeReport.Print(results);
            return 0;
        });
        return command;
    }

    private static Command CreateSae()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of a table." };
        var steps = new Option<int>("--steps") { Description = "Timed steps per engine (the median counts; one warm-up precedes them).", DefaultValueFactory = _ => 3 };
        var dIn = new Option<int>("--d-in") { Description = "SAE input width.", DefaultValueFactory = _ => 768 };
        var dSae = new Option<int>("--d-sae") { Description = "SAE latents.", DefaultValueFactory = _ => 24576 };
        var k = new Option<int>("--k") { Description = "Active latents per token.", DefaultValueFactory = _ => 32 };
        var batch = new Option<int>("--batch") { Description = "Activations per training step.", DefaultValueFactory = _ => 4096 };
        var command = new Command("sae",
            "One TopK SAE training step (sparse decoder and backward) and encode alone, beside the same SAE written densely in PyTorch.")
        {
            json, steps, dIn, dSae, k, batch,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            int stepCount = parse.GetValue(steps), d = parse.GetValue(dIn), f = parse.GetValue(dSae), kk = parse.GetValue(k), b = parse.GetValue(batch);
            if (stepCount < 1) throw new CliException($"--steps must be at least 1 (got {stepCount})");
            if (d < 1 || f < 1 || b < 1) throw new CliException($"--d-in, --d-sae and --batch must be at least 1 (got {d}, {f}, {b})");
            if (kk < 1 || kk > f) throw new CliException($"--k must be in [1, d-sae = {f}] (got {kk})");
            var asJson = parse.GetValue(json);
            if (!asJson) AnsiConsole.MarkupLine($"[grey]TopK SAE training step on {ComputeThreads.Count} threads…[/]");
            var result = SaeBenchmark.Run(d, f, kk, b, ComputeThreads.Count, stepCount);
            if (asJson) Console.WriteLine(SaeBenchReport.Json(result));
            else SaeBenchReport.Print(result);
            return 0;
        });
        return command;
    }

    private static Command CreateLosses()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables." };
        var steps = new Option<int>("--steps") { Description = "Timed steps per method and engine (the median counts; one warm-up step precedes them).", DefaultValueFactory = _ => 3 };
        var shapes = new Option<string[]>("--shapes")
        {
            Description = $"Shapes to run: {string.Join(", ", LossBenchShape.All.Select(s => s.Name))}.",
            DefaultValueFactory = _ => [.. LossBenchShape.All.Select(s => s.Name)],
            AllowMultipleArgumentsPerToken = true,
        };
        var methods = new Option<string[]>("--methods")
        {
            Description = $"Methods to run: {string.Join(", ", LossBenchmark.Methods)}.",
            DefaultValueFactory = _ => LossBenchmark.Methods,
            AllowMultipleArgumentsPerToken = true,
        };
        // The parent runs each method in a fresh child of itself, so every peak RSS is one method's alone.
        var child = new Option<string?>("--child") { Description = "Run one method of our side in this process and print its measurement as JSON.", Hidden = true };
        var command = new Command("losses",
            "One preference training step (forward, loss, backward, AdamW) of FPO, SimPO, DPO and TDPO2 in our engine and in PyTorch: step time, peak RSS, reference bytes per pair.")
        {
            json, steps, shapes, methods, child,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            var stepCount = parse.GetValue(steps);
            if (stepCount < 1) throw new CliException($"--steps must be at least 1 (got {stepCount})");
            var selected = parse.GetValue(shapes)!.Select(name => LossBenchShape.All.FirstOrDefault(s => s.Name == name)
                ?? throw new CliException($"--shapes: unknown shape '{name}' (known: {string.Join(", ", LossBenchShape.All.Select(s => s.Name))})")).ToList();
            var chosen = parse.GetValue(methods)!;
            foreach (var m in chosen.Append(parse.GetValue(child)).OfType<string>())
                if (Array.IndexOf(LossBenchmark.Methods, m) < 0) throw new CliException($"unknown method '{m}' (known: {string.Join(", ", LossBenchmark.Methods)})");
            var threads = ComputeThreads.Count;
            if (parse.GetValue(child) is { } method)
            {
                parse.InvocationConfiguration.Output.WriteLine(LossBenchmark.ChildJson(LossBenchmark.Measure(selected[0], method, threads, stepCount)));
                return 0;
            }
            var asJson = parse.GetValue(json);
            var results = new List<LossBenchResult>();
            var interleaved = new List<InterleavedSteps>();
            foreach (var shape in selected)
            {
                foreach (var m in chosen)
                {
                    if (!asJson) AnsiConsole.MarkupLine($"[grey]{m} step {shape.Name} on {threads} threads, each engine in its own process…[/]");
                    results.Add(LossBenchmark.Run(shape, m, threads, stepCount));
                }
                if (!asJson) AnsiConsole.MarkupLine($"[grey]{string.Join(", ", chosen)} steps {shape.Name} interleaved in one process, {stepCount} rounds…[/]");
                interleaved.Add(new InterleavedSteps(shape.Name, LossBenchmark.Interleaved(shape, chosen, threads, stepCount)));
            }
            if (asJson) Console.WriteLine(LossBenchReport.Json(results, interleaved));
            else LossBenchReport.Print(results, interleaved);
            return 0;
        });
        return command;
    }

    private static Command CreateEngine()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of tables." };
        var steps = new Option<int>("--steps")
        {
            Description = "Timed training steps per engine and shape (the median counts; one warm-up step precedes them).",
            DefaultValueFactory = _ => 5,
        };
        var shapes = new Option<string[]>("--shapes")
        {
            Description = $"Training-step shapes to run: {string.Join(", ", TrainStepShape.All.Select(s => s.Name))}.",
            DefaultValueFactory = _ => [.. TrainStepShape.All.Select(s => s.Name)],
            AllowMultipleArgumentsPerToken = true,
        };
        var gemmSizes = new Option<int[]>("--gemm-sizes")
        {
            Description = "Square GEMM sizes to measure (GFLOP/s of managed, OpenBLAS and torch.matmul).",
            DefaultValueFactory = _ => [1024, 2048],
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("engine",
            "One training step (forward + backward + AdamW) of GPT-2-small and a tiny model in our engine and in PyTorch, and GEMM GFLOP/s.")
        {
            json, steps, shapes, gemmSizes,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Apply(parse);
            var stepCount = parse.GetValue(steps);
            if (stepCount < 1) throw new CliException($"--steps must be at least 1 (got {stepCount})");
            var selected = parse.GetValue(shapes)!.Select(name => TrainStepShape.All.FirstOrDefault(s => s.Name == name)
                ?? throw new CliException($"--shapes: unknown shape '{name}' (known: {string.Join(", ", TrainStepShape.All.Select(s => s.Name))})")).ToList();
            var sizes = parse.GetValue(gemmSizes)!;
            if (sizes.Any(s => s < 1)) throw new CliException("--gemm-sizes must all be at least 1");
            var threads = ComputeThreads.Count;
            var asJson = parse.GetValue(json);

            var trainSteps = new List<TrainStepResult>();
            foreach (var shape in selected)
            {
                if (!asJson) AnsiConsole.MarkupLine($"[grey]training step {shape.Name} on {threads} threads…[/]");
                trainSteps.Add(TrainStepBenchmark.Run(shape, threads, stepCount));
            }
            var gemm = new List<GemmBenchmarkResult>();
            foreach (var size in sizes)
            {
                if (!asJson) AnsiConsole.MarkupLine($"[grey]GEMM {size}^3 on {threads} threads…[/]");
                gemm.AddRange(GemmBenchmark.Run(size, threads));
            }
            if (asJson) Console.WriteLine(EngineReport.Json(trainSteps, gemm));
            else EngineReport.Print(trainSteps, gemm);
            return 0;
        });
        return command;
    }
}
