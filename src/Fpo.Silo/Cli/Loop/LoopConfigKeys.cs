namespace Fpo.Silo.Cli.Loop;

/// <summary>One setting of `fpo loop`: where it lives in the YAML (section.key), its default ("" = unset) and what it does.</summary>
public sealed record LoopConfigKey(string Section, string Key, string Default, string Description)
{
    public string Path => $"{Section}.{Key}";

    /// <summary>The environment variable that overrides it: FPO__section__key.</summary>
    public string Variable => $"FPO__{Section}__{Key}";
}

/// <summary>Every key `fpo loop` reads; silo-config/local.yaml documents each, and any other key is an error.</summary>
public static class LoopConfigKeys
{
    public static readonly LoopConfigKey[] All =
    [
        new("run", "runs", "runs", "Folder that holds the run folders (relative to the working directory)."),
        new("run", "data", "data", "Folder where the built-in task is prepared and cached."),
        new("run", "max_minutes", "", "Stop cleanly after this many minutes (unset: run until Ctrl+C)."),
        new("run", "max_snapshots", "", "Stop once this snapshot version is published and evaluated (unset: no limit)."),
        new("task", "size", "default", "Built-in story task size: default (the real task) or tiny (seconds to prepare; for tries and tests)."),
        new("task", "model", "", "A Hugging Face model folder to align instead of the built-in policy (config.json, model.safetensors, tokenizer.json)."),
        new("task", "sae", "", "A SAELens SAE folder on that model instead of the built-in SAE (required with task.model for fpo)."),
        new("task", "train_prompts", "", "JSONL of training prompts {\"prompt\": ...} instead of the built-in ones."),
        new("task", "held_out_prompts", "", "JSONL of held-out prompts for the evaluator instead of the built-in ones."),
        new("task", "judge", "", "A judge config YAML (silo-config/judges/: constitution, openai, model, all-of, mixture) instead of the built-in stories judge."),
        new("trainer", "method", "fpo", "Preference method: fpo, dpo, simpo, tdpo1 or tdpo2."),
        new("trainer", "beta", "", "beta of the method (unset: the method's default)."),
        new("trainer", "alpha", "", "alpha of fpo and tdpo2 (unset: 0.5)."),
        new("trainer", "gamma", "", "gamma of simpo in absolute units (unset: 0.5 x beta)."),
        new("trainer", "top_k", "", "k of fpo's feature set I_k (unset: 50)."),
        new("trainer", "learning_rate", "1e-4", "AdamW learning rate, constant after the warmup."),
        new("trainer", "warmup_steps", "0", "Linear learning-rate warmup in steps."),
        new("trainer", "batch_size", "8", "Preferences per step."),
        new("trainer", "grad_clip", "1", "Global gradient-norm clip."),
        new("trainer", "snapshot_every", "4", "Steps between published snapshots."),
        new("trainer", "max_policy_lag", "2", "Preferences from a policy more than this many versions behind the current snapshot are dropped."),
        new("trainer", "batch_wait_seconds", "10", "A partial batch is trained after waiting this long for more preferences."),
        new("trainer", "kl_budget", "0.06", "KL(policy||reference) in nats per token on the held-out responses that an adaptive controller holds the policy near, raising beta (and fpo's alpha) over budget and lowering it under (unset: no controller; simpo has no reference term to act on and ignores it)."),
        new("trainer", "kl_gain", "0.2", "Gain K of the KL controller: each evaluation moves beta by at most K x 20%."),
        new("snapshots", "dtype", "f32", "The element type the trainer publishes snapshots in: f32, or bf16 (half the bytes every reader moves; rollouts and the evaluator then run the bf16-rounded policy, while the trainer keeps its fp32 master)."),
        new("snapshots", "keep_newest", "20", "After each publish a cluster's store keeps the files of the newest this many snapshots (0: keep every snapshot; the embedded run folder always does)."),
        new("snapshots", "keep_every", "10", "Versions divisible by this keep their files too (0: none besides); version 0, every snapshot a rollout grain serves and the base of every kept delta always do. The others give up their files; their rows and lineage stay."),
        new("rollout", "grains", "1", "Rollout grains (each owns a policy replica)."),
        new("rollout", "batch_prompts", "8", "Prompts per rollout batch; each gives one pair of responses."),
        new("rollout", "max_new_tokens", "80", "Most tokens per response (the built-in task's stories mostly finish within 80)."),
        new("rollout", "temperature", "1", "Sampling temperature of the rollouts."),
        new("rollout", "top_k", "0", "Top-k of the rollouts (0: off)."),
        new("rollout", "top_p", "1", "Top-p of the rollouts (1: off)."),
        new("rollout", "seed", "1", "Base seed of the rollouts."),
        new("rollout", "feature_statistics", "true", "Fold the SAE features of every response into the live feature statistics."),
        new("rollout", "statistics_top_n", "10", "Top activating contexts kept per latent in the live feature statistics (the API's latent page shows them)."),
        new("rollout", "statistics_context_radius", "8", "Tokens kept on each side of a top activating context."),
        new("evaluator", "max_new_tokens", "80", "Most tokens per evaluation response (the built-in task's stories mostly finish within 80)."),
        new("evaluator", "temperature", "1", "Sampling temperature of the evaluation responses (policy and reference)."),
        new("evaluator", "seed", "12345", "Seed of the evaluation responses (the same per prompt for every snapshot)."),
        new("evaluator", "drift_top_k", "50", "k of I_k in the feature drift D_fpo."),
        new("evaluator", "judge", "", "A judge config YAML that scores snapshots against the reference (unset: the built-in task's stories-eval judge, which the trainer never sees, while the task's own prompts and judge are used; otherwise the training judge, and every evaluation says so)."),
        new("evaluator", "bootstrap_resamples", "1000", "Resamples of the held-out prompts behind each win rate's 95% interval (0: no intervals)."),
        new("loop", "judge_grains", "1", "Judge grains."),
        new("loop", "feature_shard_size", "64", "Latents per FeatureStats grain: each snapshot's SAE statistics are sharded over grains of this many latents, and the API's feature queries fan out to them."),
        new("loop", "max_in_flight", "32", "Prompts in flight at most, from the prompt source until their labels are trained (back-pressure on the prompt source)."),
        new("loop", "take_turns", "false", "Let the compute-heavy grains take turns on the cores instead of running concurrently."),
        new("api", "enabled", "true", "Serve the HTTP API and the dashboard while the loop runs."),
        new("api", "host", "127.0.0.1", "IP address the API listens on; loopback unless you mean to expose it (0.0.0.0)."),
        new("api", "port", "8088", "Port of the API and dashboard (0: pick a free one; ./fpo loop prints the URL)."),
        new("api", "token_env", "FPO_API_TOKEN", "Environment variable holding the bearer token; when it is set, every route but /healthz and the dashboard's files needs 'Authorization: Bearer TOKEN'. The token itself never goes in a file."),
        new("api", "alert_factor", "2", "A latent alerts only when its activation frequency moves by this factor (or its inverse) between consecutive snapshots."),
        new("api", "alert_min_frequency", "0.01", "Frequencies below this count as this in the alert ratio, so rare latents do not flood the alerts."),
        new("api", "alert_fdr", "0.05", "A latent alerts only when its move is also significant given the tokens behind both frequencies: a two-proportion z-test per latent, Benjamini-Hochberg over every latent active in either snapshot, q-value at most this false discovery rate (the expected share of sampling noise among the alerts; in (0, 1))."),
        new("api", "serve_openai", "true", "Serve the OpenAI-compatible /v1/chat/completions, /v1/completions and /v1/models for the newest snapshot."),
    ];

    /// <summary>Sections only `fpo silo` reads; their FPO__ variables (set for a pod, say) are not errors for `fpo loop`.</summary>
    public static readonly IReadOnlyList<string> OtherCommandSections = ["silo", "backbone"];
}
