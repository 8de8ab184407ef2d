using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Config;
using Fpo.Alignment.Tasks;
using Fpo.Grains.Cluster;
using Fpo.Grains.Loop;
using Fpo.Sae;

namespace Fpo.Silo.Cli.Loop;

/// <summary>
/// What `fpo loop` runs on. Without task.model it prepares the built-in story task in run.data (progress bars; cached
/// stages are reused), then takes every piece from it that the config does not replace: task.model (with task.sae),
/// task.train_prompts, task.held_out_prompts, task.judge, evaluator.judge.
/// </summary>
public static class LoopAssetsLoader
{
    public static LoopAssets Load(LoopConfig c, CancellationToken cancellationToken) => LoadSource(c, cancellationToken).Assets;

    /// <summary>The assets with what a trainer silo ships in snapshot 0 beside them: the judge config's text and the prompt encoding.</summary>
    public static RunAssetSource LoadSource(LoopConfig c, CancellationToken cancellationToken)
    {
        Check(c);
        var modelDir = c.PathValue("task.model");
        PreparedTask? task = null;
        if (modelDir is null)
        {
            task = TaskProgressDisplay.Show(progress => StoryTask.Prepare(TaskSettings(c), c.PathValue("run.data")!, progress, cancellationToken));
        }
        var (policy, tokenizer) = ModelFolder.Load(modelDir ?? task!.ModelDir, "task.model");
        var saeDir = c.PathValue("task.sae") ?? task?.SaeDir;
        SaeWeights? sae = saeDir is null ? null : SaeFolderOption.Load(saeDir, policy.Config, "task.sae");
        var train = Prompts(c, "task.train_prompts", task?.TrainPromptsPath);
        var heldOut = Prompts(c, "task.held_out_prompts", task?.HeldOutPromptsPath);
        var judgePath = c.PathValue("task.judge") ?? task!.ConstitutionPath;
        var judge = Judge(c, "task.judge", judgePath);
        // The evaluation judge: the config's, else the built-in task's own while its held-out prompts and its judge are
        // the task's (it knows only the task's plots: other prompts would all tie); otherwise the training judge, which
        // every evaluation then names.
        var builtInEvaluation = c.String("task.judge") is null && c.String("task.held_out_prompts") is null ? task?.EvaluationConstitutionPath : null;
        var evaluationPath = c.PathValue("evaluator.judge") ?? builtInEvaluation;
        var evaluationJudge = evaluationPath is null ? null : Judge(c, "evaluator.judge", evaluationPath);
        // The built-in policy was trained on documents that start with <|endoftext|>; an external model gets its prompts as they are.
        var endOfTextFirst = modelDir is null;
        Func<string, int[]>? encode = endOfTextFirst ? text => StoryTask.EncodePrompt(tokenizer, text) : null;
        return new RunAssetSource(new LoopAssets(policy, tokenizer, sae, saeDir, judge, train, heldOut, encode, evaluationJudge), File.ReadAllText(judgePath),
            endOfTextFirst, evaluationPath is null ? null : File.ReadAllText(evaluationPath));
    }

    /// <summary>
    /// Checks the task settings without preparing or loading anything, so that `fpo silo` refuses a bad task at start
    /// rather than when its trainer first starts the run.
    /// </summary>
    public static void Check(LoopConfig c)
    {
        _ = TaskSettings(c);
        if (c.PathValue("task.model") is { } model && (c.String("task.train_prompts") is null || c.String("task.held_out_prompts") is null || c.String("task.judge") is null))
            throw c.Bad("task.model", $"{model}: an external model needs its own task.train_prompts, task.held_out_prompts and task.judge (the built-in task's prompts and judge are for its own policy)");
        foreach (var key in new[] { "task.train_prompts", "task.held_out_prompts", "task.judge", "evaluator.judge" })
            if (c.PathValue(key) is { } path && !File.Exists(path)) throw c.Bad(key, $"{path}: no such file");
        foreach (var key in new[] { "task.model", "task.sae" })
            if (c.PathValue(key) is { } path && !Directory.Exists(path)) throw c.Bad(key, $"{path}: no such folder");
    }

    private static StoryTaskSettings TaskSettings(LoopConfig c) => c.String("task.size") switch
    {
        "default" => StoryTaskSettings.Default,
        "tiny" => StoryTaskSettings.Tiny,
        var size => throw c.Bad("task.size", $"unknown size '{size}' (expected default or tiny)"),
    };

    private static List<string> Prompts(LoopConfig c, string key, string? builtIn)
    {
        var path = c.PathValue(key) ?? builtIn!;
        try
        {
            return [.. PromptsFile.Read(path).Select(p => p.Prompt)];
        }
        catch (CliException e)
        {
            throw c.Bad(key, e.Message.Replace("--prompts ", "", StringComparison.Ordinal));
        }
    }

    private static IJudge Judge(LoopConfig c, string key, string path)
    {
        try
        {
            return JudgeConfig.Load(path);
        }
        catch (JudgeConfigException e)
        {
            throw c.Bad(key, e.Message);
        }
    }
}
