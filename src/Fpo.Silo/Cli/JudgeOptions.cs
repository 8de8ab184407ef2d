using System.CommandLine;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Config;
using Fpo.Alignment.Preferences;

namespace Fpo.Silo.Cli;

/// <summary>The options `fpo judge` and `fpo judge eval` share, and loading what they name.</summary>
internal static class JudgeOptions
{
    public static Option<FileInfo> Config() => new("--judge") { Description = "Judge config (YAML): kind openai|model|constitution|all-of|mixture and its settings; see silo-config/judges/.", Required = true };

    public static Option<FileInfo> Pairs(string description) => new("--pairs") { Description = description, Required = true };

    public static Option<int> Parallel() => new("--parallel") { Description = "Pairs judged at once (an OpenAI judge's own concurrency and rate limits still apply).", DefaultValueFactory = _ => 8 };

    public static IJudge LoadJudge(FileInfo file)
    {
        if (!file.Exists) throw new CliException($"--judge {file.FullName}: no such file");
        try
        {
            return JudgeConfig.Load(file.FullName);
        }
        catch (JudgeConfigException e)
        {
            throw new CliException(e.Message);
        }
    }

    public static List<PreferencePair> LoadPairs(FileInfo file)
    {
        if (!file.Exists) throw new CliException($"--pairs {file.FullName}: no such file");
        try
        {
            return PreferenceJsonl.Read(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>Loads the pairs and the judge a command names, judges every pair, hands the verdicts (in input order) to
    /// <paramref name="use"/>, and disposes the judge.</summary>
    public static int Run(ParseResult parse, Option<FileInfo> config, Option<FileInfo> pairs, Option<int> parallel,
        Func<IJudge, List<PreferencePair>, JudgeVerdict[], int> use)
    {
        CommonOptions.Apply(parse);
        var n = parse.GetValue(parallel);
        if (n < 1) throw new CliException($"--parallel must be at least 1 (got {n})");
        var read = LoadPairs(parse.GetValue(pairs)!);
        var judge = LoadJudge(parse.GetValue(config)!);
        try
        {
            return use(judge, read, JudgeRun.Judge(judge, read, n));
        }
        finally
        {
            (judge as IDisposable)?.Dispose();
        }
    }
}
