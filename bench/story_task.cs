#:project ../src/Fpo.Alignment/Fpo.Alignment.csproj
#:property PublishAot=false
// The built-in story task, measured: Prepare's wall time per stage (and whether the stage came from the cache), then
// the base policy on the held-out prompts judged by the task's constitution (stories.yaml):
//   * pairs: 2 samples per prompt (temperature 1), judged against each other: the abstention (tie) rate;
//   * flaws: how often a sample repeats itself, ends unkindly, stops mid-sentence, or loses the prompt's characters;
//   * headroom: the best of 4 samples (by judge score) against a fresh 5th: the win rate a preference learner can reach.
// Samples start after <|endoftext|>, where the corpus starts its documents, and run until the model ends them or
// fills its positions.
// usage: dotnet run -c Release bench/story_task.cs -- DATA_DIR [--tiny] [--threads N]
using System.Diagnostics;
using System.Text.Json;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Tasks;
using Fpo.Models.Checkpoints;
using Fpo.Models.Generation;
using Fpo.Models.Tokenization;
using Fpo.Tensors;

var data = args[0];
var tiny = args.Contains("--tiny");
var threadsAt = Array.IndexOf(args, "--threads");
if (threadsAt >= 0) ComputeThreads.Count = int.Parse(args[threadsAt + 1]);
var settings = tiny ? StoryTaskSettings.Tiny : StoryTaskSettings.Default;

var progress = new RecordingTaskProgress();
var watch = Stopwatch.StartNew();
var task = StoryTask.Prepare(settings, data, progress, CancellationToken.None);
var prepare = watch.Elapsed;
Console.WriteLine($"{(tiny ? "Tiny" : "Default")} preparation in {data} ({ComputeThreads.Count} threads):");
foreach (var s in progress.Stages)
    Console.WriteLine(s.Reused ? $"  {s.Stage,-10} reused" : $"  {s.Stage,-10} {s.Elapsed.TotalSeconds,7:F1} s  {s.LastDetail}");
Console.WriteLine($"  total      {prepare.TotalSeconds,7:F1} s");

var (config, model) = HuggingFaceCheckpoint.Load(task.ModelDir);
var tokenizer = HuggingFaceTokenizerFile.Load(Path.Combine(task.ModelDir, "tokenizer.json"));
var judge = ConstitutionFile.Load(task.ConstitutionPath);
var prompts = File.ReadLines(task.HeldOutPromptsPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("prompt").GetString()!).ToList();
var engine = new GenerationEngine(model, tokenizer, new GenerationOptions { MaxBatch = 32, MaxSequenceLength = config.MaxPositions });
watch.Restart();
var requests = prompts.Select((p, i) =>
{
    var tokens = StoryTask.EncodePrompt(tokenizer, p);
    return new GenerationRequest { Id = $"p{i}", PromptTokens = tokens, N = 7, MaxNewTokens = config.MaxPositions - tokens.Length, Seed = (ulong)(1000 + i) };
}).ToList();
var results = engine.Generate(requests);
var samples = results.Select(r => r.Samples.Select(s => s.Text!).ToList()).ToList();
var generatedTokens = results.Sum(r => r.Samples.Sum(s => s.Tokens.Count));
Console.WriteLine($"{prompts.Count} held-out prompts x 7 samples: {generatedTokens:N0} tokens in {watch.Elapsed.TotalSeconds:F1} s");

// Pairs: samples 0 and 1 of each prompt.
int ties = 0, pairs = 0;
foreach (var (prompt, s) in prompts.Zip(samples))
{
    var verdict = judge.JudgeAsync(new JudgeRequest(prompt, s[0], s[1]), CancellationToken.None).Result;
    pairs++;
    if (!verdict.IsLabel) ties++;
}
Console.WriteLine($"pairs of samples: {pairs}, judge abstains on {ties} ({(double)ties / pairs:P1})");

// Flaws in samples 0 and 1, by the judge's own scoring functions.
var repetition = new RepetitionScore(3);
var complete = new CompleteSentenceScore();
var entities = new EntityMentionScore();
var sentiment = ((SentimentScore)judge.Principles.Single(p => p.Function is SentimentScore).Function);
var counts = new Dictionary<string, int> { ["repetition"] = 0, ["harsh"] = 0, ["unfinished"] = 0, ["off-topic"] = 0, ["clean"] = 0 };
var judged = 0;
foreach (var (prompt, s) in prompts.Zip(samples))
    foreach (var text in s.Take(2))
    {
        judged++;
        var flaws = new List<string>();
        if (repetition.Score(prompt, text) <= -0.1) flaws.Add("repetition");
        if (sentiment.Score(prompt, text) < 0) flaws.Add("harsh");
        if (complete.Score(prompt, text) == 0) flaws.Add("unfinished");
        if (entities.Score(prompt, text) < 0.5) flaws.Add("off-topic");
        foreach (var f in flaws) counts[f]++;
        if (flaws.Count == 0) counts["clean"]++;
    }
Console.WriteLine($"flaws in {judged} samples: " + string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value} ({(double)kv.Value / judged:P1})")));

// Headroom: best of samples 2..5 by judge score against sample 6.
int wins = 0, losses = 0, bestTies = 0;
foreach (var (prompt, s) in prompts.Zip(samples))
{
    var best = s.Skip(2).Take(4).MaxBy(t => judge.Score(prompt, t))!;
    var verdict = judge.JudgeAsync(new JudgeRequest(prompt, best, s[6]), CancellationToken.None).Result;
    if (!verdict.IsLabel) bestTies++;
    else if (verdict.ProbabilityA > 0.5) wins++;
    else losses++;
}
Console.WriteLine($"best-of-4 vs a fresh sample: {wins} wins, {losses} losses, {bestTies} ties: win rate {(double)wins / Math.Max(1, wins + losses):P1} of decided, " +
    $"{(wins + 0.5 * bestTies) / prompts.Count:P1} counting ties as half");
Console.WriteLine("examples:");
for (var i = 0; i < Math.Min(3, prompts.Count); i++)
    Console.WriteLine($"  [{prompts[i]}]{samples[i][0]}\n    score {judge.Score(prompts[i], samples[i][0]):F2}");
