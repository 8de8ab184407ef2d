using Fpo.Silo.SiloApi.Features;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// GET /metrics in Prometheus text: the run's progress and throughput, queue depths per stream and state (what an
/// autoscaler reads: fpo_stream_records{stream,state}), the judges' labels and abstentions, the last trainer step, the
/// last evaluation, the pooled feature drift of the newest snapshot with statistics, and the process's GC, memory,
/// CPU and thread figures.
/// </summary>
public static class MetricsApi
{
    public static void Map(WebApplication app) => app.MapGet("/metrics", async (HttpRequest request, IRunView view, FeatureQueries features, ApiServing serving, CancellationToken ct) =>
    {
        Problems.OnlyQuery(request);
        var text = new PrometheusText();
        await Run(text, view, ct);
        if (await features.ResolveAsync(null, ct) is { } version)
        {
            var f = await features.SnapshotAsync(version, ct);
            text.Gauge("fpo_feature_drift", "Pooled D_fpo of the newest snapshot with feature statistics (see /openapi.json, /api/features).", f.Drift)
                .Gauge("fpo_feature_statistics_version", "Snapshot version of fpo_feature_drift.", version)
                .Gauge("fpo_feature_tokens", "Response tokens folded into the newest snapshot's feature statistics, per side.", f.PolicyTokens, ("side", "policy"))
                .Gauge("fpo_feature_tokens", "", f.ReferenceTokens, ("side", "reference"));
        }
        text.Gauge("fpo_api_served_snapshot_version", "Snapshot the OpenAI-compatible endpoints serve (-1: none).", serving.Version);
        Process(text);
        return Results.Text(text.ToString(), PrometheusText.ContentType);
    }).WithSummary("Prometheus metrics").WithDescription("Prometheus text exposition format 0.0.4.").Produces<string>(200, "text/plain");

    private static async Task Run(PrometheusText text, IRunView view, CancellationToken ct)
    {
        var s = await view.StatusAsync(ct);
        text.Gauge("fpo_run_running", "1 while the loop runs in this process, 0 otherwise.", s.State == RunStates.Running ? 1 : 0)
            .Gauge("fpo_snapshot_version", "Newest published snapshot version.", s.SnapshotVersion)
            .Counter("fpo_trainer_steps_total", "Trainer steps taken.", s.TrainerSteps)
            .Counter("fpo_preferences_trained_total", "Preferences trained on (this process's trainer).", s.PreferencesTrained)
            .Counter("fpo_preferences_dropped_stale_total", "Preferences dropped as too old (this process's trainer).", s.DroppedStale)
            .Counter("fpo_pairs_produced_total", "Response pairs produced by the rollouts.", s.PairsProduced)
            .Gauge("fpo_pairs_per_minute", "Rollout throughput in pairs per minute.", s.PairsPerMinute)
            .Counter("fpo_judge_labels_total", "Pairs the judges labelled.", s.JudgeLabels)
            .Counter("fpo_judge_abstentions_total", "Pairs the judges abstained on.", s.JudgeAbstentions)
            .Counter("fpo_judge_calls_total", "Pairs the judges decided on, labelled or abstained.", s.JudgeLabels + s.JudgeAbstentions);
        foreach (var (stream, q) in s.Queues.OrderBy(q => q.Key, StringComparer.Ordinal))
            text.StreamRecords(stream, q.Pending, q.Leased, q.Acknowledged, q.Dead);
        if (s.LastStep is { } step)
            text.Gauge("fpo_trainer_loss", "Loss of the last trainer step.", step.Loss)
                .Gauge("fpo_trainer_accuracy", "Preference accuracy of the last trainer step.", step.Accuracy)
                .Gauge("fpo_trainer_step_seconds", "Duration of the last trainer step.", step.StepSeconds)
                .Gauge("fpo_trainer_policy_lag", "Mean snapshot lag of the last step's preferences.", step.PolicyLag);
        if (s.LastEvaluation is { } e)
            text.Gauge("fpo_eval_version", "Snapshot version of the last evaluation.", e.Version)
                .Gauge("fpo_eval_win_rate", "Judge win rate of the last evaluated snapshot against the reference.", e.WinRate)
                .Gauge("fpo_eval_kl_per_token", "KL(policy||reference) per token of the last evaluated snapshot.", e.KlPerToken)
                .Gauge("fpo_eval_feature_drift", "Mean per-response D_fpo of the last evaluated snapshot.", e.FeatureDrift)
                .Gauge("fpo_eval_abstentions", "Judge abstentions in the last evaluation.", e.Abstentions);
    }

    /// <summary>The process's CPU, memory, thread and GC figures (every silo's /metrics ends with them).</summary>
    internal static void Process(PrometheusText text)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        text.Counter("process_cpu_seconds_total", "CPU time of this process.", process.TotalProcessorTime.TotalSeconds)
            .Gauge("process_resident_memory_bytes", "Resident memory.", process.WorkingSet64)
            .Gauge("process_start_time_seconds", "Start time since the Unix epoch.", new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0)
            .Gauge("process_threads", "Threads of the process.", process.Threads.Count);
        for (var g = 0; g <= GC.MaxGeneration; g++)
            text.Counter("dotnet_gc_collections_total", "Garbage collections per generation.", GC.CollectionCount(g), ("generation", g.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var info = GC.GetGCMemoryInfo();
        text.Gauge("dotnet_gc_heap_bytes", "Managed heap size after the last collection.", info.HeapSizeBytes)
            .Counter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap.", GC.GetTotalAllocatedBytes())
            .Counter("dotnet_gc_pause_seconds_total", "Time paused for garbage collection.", GC.GetTotalPauseDuration().TotalSeconds)
            .Gauge("dotnet_threadpool_threads", "Thread-pool threads.", ThreadPool.ThreadCount)
            .Gauge("dotnet_threadpool_queue_length", "Work items waiting in the thread pool.", ThreadPool.PendingWorkItemCount);
    }
}
