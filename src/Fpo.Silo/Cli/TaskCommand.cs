using System.CommandLine;
using Fpo.Alignment.Tasks;

namespace Fpo.Silo.Cli;

/// <summary>`fpo task prepare`: builds the built-in story task (corpus, tokenizer, base policy, SAE, prompts, judge) into
/// a data folder, reusing every stage already built with the same settings.</summary>
public static class TaskCommand
{
    public const string DefaultDataFolder = "data";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data folder the stages are cached in (one subfolder per stage and settings).",
            DefaultValueFactory = _ => new DirectoryInfo(DefaultDataFolder),
        };
        var tiny = new Option<bool>("--tiny") { Description = "The tiny settings the tests use (seconds, not minutes; a weak policy)." };
        var prepare = new Command("prepare", "Prepare the built-in story task: generated corpus and prompts, BPE tokenizer, pre-trained base policy, SAE and judge, with progress bars; cached.")
        {
            data, tiny,
        };
        prepare.SetAction((parse, cancel) =>
        {
            CommonOptions.Apply(parse);
            var settings = parse.GetValue(tiny) ? StoryTaskSettings.Tiny : StoryTaskSettings.Default;
            var folder = parse.GetValue(data)!.FullName;
            var started = DateTime.UtcNow;
            PreparedTask task;
            try
            {
                task = TaskProgressDisplay.Show(progress => StoryTask.Prepare(settings, folder, progress, cancel));
            }
            catch (OperationCanceledException)
            {
                throw new CliException("task preparation cancelled; the finished stages are kept and the next run redoes the interrupted one");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"--data {folder}: {e.Message}");
            }
            Console.Error.WriteLine($"fpo: task prepared in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            Console.WriteLine($"model        {task.ModelDir}");
            Console.WriteLine($"sae          {task.SaeDir} (layer {task.SaeLayer})");
            Console.WriteLine($"train        {task.TrainPromptsPath}");
            Console.WriteLine($"held-out     {task.HeldOutPromptsPath}");
            Console.WriteLine($"constitution {task.ConstitutionPath}");
            return Task.FromResult(0);
        });
        var command = new Command("task", "The built-in story task the loop runs on a fresh machine.");
        command.Subcommands.Add(prepare);
        return command;
    }
}
