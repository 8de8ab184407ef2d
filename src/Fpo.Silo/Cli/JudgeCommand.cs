using System.CommandLine;
using System.Text;
using System.Text.Json;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Preferences;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo judge`: labels preference pairs with a judge. Each pair's chosen and rejected are judged as A and B; the output's
/// chosen is the one the judge prefers, its label P(chosen better), its judge metadata both orders. Abstentions are
/// not dropped: they go to OUT.abstained.jsonl with their reason. `fpo judge eval` measures a judge against labels.
/// </summary>
public static class JudgeCommand
{
    public static Command Create()
    {
        var config = JudgeOptions.Config();
        var pairs = JudgeOptions.Pairs("Preference JSON Lines in: {\"prompt\",\"chosen\",\"rejected\"}; chosen and rejected are judged as A and B (the input's order is not trusted).");
        var output = new Option<FileInfo>("--out") { Description = "Labelled pairs out (JSON Lines); abstentions go to the same name with .abstained.jsonl.", Required = true };
        var parallel = JudgeOptions.Parallel();
        var command = new Command("judge", "Label preference pairs with a judge (OpenAI-compatible server, local model or constitution).")
        {
            config, pairs, output, parallel,
        };
        command.Subcommands.Add(JudgeEvalCommand.Create());
        command.SetAction(parse => JudgeOptions.Run(parse, config, pairs, parallel, (judge, read, verdicts) =>
        {
            var outPath = parse.GetValue(output)!.FullName;
            var abstainedPath = AbstainedPath(outPath);
            var labelled = read.Zip(verdicts).Where(x => x.Second.IsLabel).Select(x => JudgedPreference.Orient(x.First, x.Second, judge)).ToList();
            try
            {
                PreferenceJsonl.Write(outPath, labelled);
                using var writer = new StreamWriter(abstainedPath, false, new UTF8Encoding(false));
                foreach (var (pair, verdict) in read.Zip(verdicts).Where(x => !x.Second.IsLabel)) writer.WriteLine(AbstainedLine(pair, verdict));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(e.Message);
            }
            parse.InvocationConfiguration.Error.WriteLine($"fpo: judged {JudgeRun.Summary(judge, read.Count)}");
            parse.InvocationConfiguration.Error.WriteLine($"fpo: wrote {labelled.Count} labelled pairs to {outPath} and {read.Count - labelled.Count} abstentions to {abstainedPath}");
            return 0;
        }));
        return command;
    }

    /// <summary>OUT.jsonl → OUT.abstained.jsonl (any other name gets .abstained.jsonl appended).</summary>
    public static string AbstainedPath(string outPath) =>
        (outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? outPath[..^".jsonl".Length] : outPath) + ".abstained.jsonl";

    private static string AbstainedLine(PreferencePair pair, JudgeVerdict verdict)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", pair.Id);
            w.WriteString("reason", verdict.Abstention.ToString());
            w.WriteString("detail", verdict.Detail);
            w.WriteString("prompt", pair.Prompt);
            w.WriteString("chosen", pair.Chosen);
            w.WriteString("rejected", pair.Rejected);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
