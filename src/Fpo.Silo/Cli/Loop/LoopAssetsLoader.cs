using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Config;
using Fpo.Alignment.Tasks;
using Fpo.Grains.Loop;
using Fpo.Sae;

namespace Fpo.Silo.Cli.Loop;

/// <summary>
/// What `fpo loop` runs on. Without task.model it prepares the built-in story task in run.data (progress bars; cached
/// stages are reused), then takes every piece from it that the config does not replace: task.model (with task.sae),
/// task.train_prompts, task.held_out_prompts, task.judge.
/// </summary>
public static class LoopAssetsLoader
{
    public static LoopAssets Load(LoopConfig c, CancellationToken cancellationToken)
    {
        var modelDir = c.PathValue("task.model");
        PreparedTask? task = null;
        if (modelDir is null || c.String("task.train_prompts") is null || c.String("task.held_out_prompts") is null || c.String("task.judge") is null)
        {
            if (modelDir is not null)
                throw c.Bad("task.model", "an external model needs its own task.train_prompts, task.held_out_prompts and task.judge (the built-in task's prompts and judge are for its own policy)");
            task = TaskProgressDisplay.Show(progress => StoryTask.Prepare(TaskSettings(c), c.PathValue("run.data")!, progress, cancellationToken));
        }
        var (policy, tokenizer) = ModelFolder.Load(modelDir ?? task!.ModelDir, "task.model");
        var saeDir = c.PathValue("task.sae") ?? task?.SaeDir;
        SaeWeights? sae = saeDir is null ? null : SaeFolderOption.Load(saeDir, policy.Config, "task.sae");
        var train = Prompts(c, "task.train_prompts", task?.TrainPromptsPath);
        var heldOut = Prompts(c, "task.held_out_prompts", task?.HeldOutPromptsPath);
        var judge = Judge(c, c.PathValue("task.judge") ?? task!.ConstitutionPath);
        // The built-in policy was trained on documents that start with <|endoftext|>; an external model gets its prompts as they are.
        Func<string, int[]>? encode = modelDir is null ? text => StoryTask.EncodePrompt(tokenizer, text) : null;
        return new LoopAssets(policy, tokenizer, sae, saeDir, judge, train, heldOut, encode);
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

    private static IJudge Judge(LoopConfig c, string path)
    {
        if (!File.Exists(path)) throw c.Bad("task.judge", $"{path}: no such file");
        try
        {
            return JudgeConfig.Load(path);
        }
        catch (JudgeConfigException e)
        {
            throw c.Bad("task.judge", e.Message);
        }
    }
}
