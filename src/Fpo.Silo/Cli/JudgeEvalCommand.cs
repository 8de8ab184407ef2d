using System.CommandLine;
using System.Text.Json;
using Fpo.Alignment.Judges;

namespace Fpo.Silo.Cli;

/// <summary>
/// `fpo judge eval`: how well a judge matches given labels. Agreement is over the pairs it labelled whose given label is
/// not 0.5: the judge agrees when it prefers the side the label prefers. Also the position-consistency rate (both orders
/// preferred the same response) and the abstention rate, in total and by reason.
/// </summary>
public static class JudgeEvalCommand
{
    public static Command Create()
    {
        var config = JudgeOptions.Config();
        var pairs = JudgeOptions.Pairs("Labelled preference JSON Lines: label = P(chosen better).");
        var parallel = JudgeOptions.Parallel();
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var command = new Command("eval", "Measure a judge against labelled pairs: agreement, position consistency, abstentions by reason.")
        {
            config, pairs, parallel, json,
        };
        command.SetAction(parse => JudgeOptions.Run(parse, config, pairs, parallel, (judge, read, verdicts) =>
        {
            var scored = read.Zip(verdicts).Where(x => x.Second.IsLabel && x.First.Label != 0.5).ToList();
            var agreed = scored.Count(x => x.Second.ProbabilityA > 0.5 == x.First.Label > 0.5);
            var c = judge.Counters;
            var result = new EvalResult
            {
                Judge = judge.Name,
                Pairs = read.Count,
                Labelled = verdicts.Count(v => v.IsLabel),
                Compared = scored.Count,
                Agreement = scored.Count == 0 ? double.NaN : (double)agreed / scored.Count,
                PositionConsistency = c.PositionConsistency,
                AbstentionRate = read.Count == 0 ? double.NaN : (double)verdicts.Count(v => !v.IsLabel) / read.Count,
                Abstentions = Enum.GetValues<AbstentionReason>().ToDictionary(r => r.ToString(), r => verdicts.Count(v => v.Abstention == r)),
                Calls = c.Calls,
                Retries = c.Retries,
                CacheHits = c.CacheHits,
            };
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(result, EvalJson.Options));
            else
            {
                output.WriteLine($"judge {result.Judge}: {result.Pairs} pairs, {result.Labelled} labelled");
                output.WriteLine($"agreement with the labels: {JudgeRun.Percent(result.Agreement)} ({agreed} of {result.Compared} labelled pairs whose label is not 0.5)");
                output.WriteLine($"position consistency: {(double.IsNaN(result.PositionConsistency) ? "n/a (no pair judged in both orders)" : JudgeRun.Percent(result.PositionConsistency))}");
                output.WriteLine($"abstention rate: {JudgeRun.Percent(result.AbstentionRate)}" +
                    string.Concat(result.Abstentions.Where(a => a.Value > 0).Select(a => $"\n  {a.Key}: {a.Value} ({JudgeRun.Percent((double)a.Value / result.Pairs)})")));
                output.WriteLine($"{result.Calls} calls, {result.Retries} retries, {result.CacheHits} cache hits");
            }
            return 0;
        }));
        return command;
    }

    private sealed record EvalResult
    {
        public required string Judge { get; init; }
        public required int Pairs { get; init; }
        public required int Labelled { get; init; }
        public required int Compared { get; init; }
        public required double Agreement { get; init; }
        public required double PositionConsistency { get; init; }
        public required double AbstentionRate { get; init; }
        public required Dictionary<string, int> Abstentions { get; init; }
        public required long Calls { get; init; }
        public required long Retries { get; init; }
        public required long CacheHits { get; init; }
    }

    private static class EvalJson
    {
        public static readonly JsonSerializerOptions Options = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
    }
}
