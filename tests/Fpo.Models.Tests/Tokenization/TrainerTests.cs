using System.Text;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

public class TrainerTests
{
    private static readonly Lazy<BpeTokenizer> Trained = new(() => BpeTrainer.Train(Corpus(), 600, ["<|endoftext|>", "<pad>"]));

    /// <summary>A tokenizer trained on the test corpus: 256 bytes + 342 merges + 2 special tokens.</summary>
    public static BpeTokenizer SmallTrained => Trained.Value;

    private static List<string> Corpus() =>
        [.. TokenizerTestStrings.Handpicked, .. TokenizerTestStrings.Generated(3000, seed: 5), "end<|endoftext|>start"];

    [Fact]
    public void ReachesTheRequestedVocabSizeWithSpecialTokensLast()
    {
        var tokenizer = SmallTrained;
        Assert.Equal(600, tokenizer.VocabSize);
        Assert.Equal(598, tokenizer.TokenToId("<|endoftext|>"));
        Assert.Equal(599, tokenizer.TokenToId("<pad>"));
        Assert.Equal(598, tokenizer.EosTokenId);
        Assert.True(tokenizer.IsSpecial(599));
        Assert.Equal("!", tokenizer.IdToToken(0));
        Assert.True(tokenizer.Merges.Count >= 342);
        Assert.True(tokenizer.Encode("the quick fox").Length < "the quick fox".Length, "merges shorten common text");
    }

    [Fact]
    public void MergesAreDeterministicAndMatchANaiveRecount()
    {
        var texts = TokenizerTestStrings.Generated(400, seed: 21);
        var first = BpeTrainer.Train(texts, 400);
        var second = BpeTrainer.Train(texts, 400);

        Assert.Equal(first.Merges, second.Merges);
        Assert.Equal(NaiveMerges(texts, first.Merges.Count), first.Merges);
    }

    [Fact]
    public void ReportsProgressUpToOne()
    {
        var reports = new List<double>();
        BpeTrainer.Train(TokenizerTestStrings.Generated(200, seed: 1), 300, progress: new SynchronousProgress(reports));
        Assert.NotEmpty(reports);
        Assert.Equal(1.0, reports[^1]);
        Assert.Equal(reports.Order(), reports);
    }

    [Fact]
    public void TrainsFromAFileLineByLine()
    {
        var texts = TokenizerTestStrings.Generated(200, seed: 4).Select(t => t.Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal)).ToList();
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, texts);
            var fromFile = BpeTrainer.TrainFromFile(path, 320);
            var fromTexts = BpeTrainer.Train(texts.Select(t => t + "\n"), 320);
            Assert.Equal(fromTexts.Merges, fromFile.Merges);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TooSmallAVocabularyIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["abc"], 257, ["<a>", "<b>"]));
        Assert.Equal("vocabSize", e.ParamName);
    }

    /// <summary>The textbook trainer: recount every pair of every word before each merge.</summary>
    private static List<(string, string)> NaiveMerges(IEnumerable<string> texts, int count)
    {
        var words = new Dictionary<string, long>();
        foreach (var text in texts)
            foreach (var (start, length) in PreTokenizer.Gpt2.Split(text))
                words[text.Substring(start, length)] = words.GetValueOrDefault(text.Substring(start, length)) + 1;
        var tokens = ByteLevel.ByteToChar.Order().Select(c => c.ToString()).ToList();
        var split = words.Select(kv => (Ids: Encoding.UTF8.GetBytes(kv.Key).Select(b => tokens.IndexOf(ByteLevel.ByteToChar[b].ToString())).ToList(), Count: kv.Value)).ToList();
        var merges = new List<(string, string)>();
        while (merges.Count < count)
        {
            var pairs = new Dictionary<(int, int), long>();
            foreach (var (ids, n) in split)
                for (var i = 0; i + 1 < ids.Count; i++)
                    pairs[(ids[i], ids[i + 1])] = pairs.GetValueOrDefault((ids[i], ids[i + 1])) + n;
            var best = pairs.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First().Key;
            var text = tokens[best.Item1] + tokens[best.Item2];
            var merged = tokens.IndexOf(text);
            if (merged < 0)
            {
                merged = tokens.Count;
                tokens.Add(text);
            }
            merges.Add((tokens[best.Item1], tokens[best.Item2]));
            foreach (var (ids, _) in split)
                for (var i = 0; i + 1 < ids.Count; i++)
                    if (ids[i] == best.Item1 && ids[i + 1] == best.Item2)
                    {
                        ids[i] = merged;
                        ids.RemoveAt(i + 1);
                    }
        }
        return merges;
    }

    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value) => reports.Add(value);
    }
}
