using System.Text;
using Fpo.Models.Tokenization;

namespace Fpo.Models.Tests.Tokenization;

/// <summary>
/// The tokenizer.json we write must mean the same to Hugging Face's own reader: tokenizers.js (npm
/// @huggingface/tokenizers) loads each saved file and must give our ids and decode them to the same text.
/// </summary>
public sealed class HuggingFaceJsTests : IDisposable
{
    private readonly TokenizerJsonFixture files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void ReadsOurGpt2TokenizerJson() => AssertHuggingFaceAgrees(Gpt2ReferenceTests.Tokenizer);

    [Fact]
    public void ReadsOurTrainedTokenizerJson() => AssertHuggingFaceAgrees(TrainerTests.SmallTrained);

    [Fact]
    public void ReadsOurLlama3StyleTokenizerJson()
    {
        var json = TokenizerJsonFixture.Build();
        json["pre_tokenizer"] = TokenizerJsonFixture.SplitThenByteLevel(PreTokenizer.Llama3);
        json["model"]!["ignore_merges"] = true;
        AssertHuggingFaceAgrees(files.Load(json));
    }

    /// <summary>Random Unicode (non-BMP letters and digits, marks, emoji, odd spaces) must split as tokenizers.js
    /// splits it, except for U+0085 and U+FEFF, where JavaScript's \s is wrong (see JsRegexQuirks).</summary>
    [Theory]
    [MemberData(nameof(PreTokenizerTests.Patterns), MemberType = typeof(PreTokenizerTests))]
    public void PreTokenizersSplitLikeTokenizersJs(string name)
    {
        var pre = PreTokenizerTests.Named(name);
        var json = TokenizerJsonFixture.Build();
        if (pre != PreTokenizer.Gpt2)
            json["pre_tokenizer"] = TokenizerJsonFixture.SplitThenByteLevel(pre);
        var tokenizer = files.Load(json);
        Assert.Same(pre, tokenizer.Options.PreTokenizer);
        var saved = Path.Combine(files.Directory, name);
        HuggingFaceTokenizerFile.Save(tokenizer, saved);
        var random = new Random(17);
        var texts = Enumerable.Range(0, 1500).Select(_ => RandomText.Next(random, 30))
            .Where(t => !t.Contains('\u0085') && !t.Contains('\uFEFF')).ToList();

        var (_, _, pieces) = NodeReference.HuggingFaceEncode(saved, texts);

        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i];
            var ours = pre.Split(text).Select(p => ByteLevelSpelling(text.Substring(p.Start, p.Length))).ToArray();
            Assert.True(ours.SequenceEqual(pieces[i]),
                $"{name} [{i}] [{string.Join(",", text.Select(c => (int)c))}]\n  ours: {string.Join(" | ", ours)}\n  hf:   {string.Join(" | ", pieces[i])}");
        }
    }

    private static string ByteLevelSpelling(string piece) =>
        string.Concat(Encoding.UTF8.GetBytes(piece).Select(b => ByteLevel.ByteToChar[b]));

    private void AssertHuggingFaceAgrees(BpeTokenizer tokenizer)
    {
        var saved = Path.Combine(files.Directory, "saved");
        HuggingFaceTokenizerFile.Save(tokenizer, saved);
        var texts = TokenizerTestStrings.Handpicked.Concat(TokenizerTestStrings.LongPieces(seed: 8))
            .Concat(TokenizerTestStrings.Generated(100, seed: 12))
            .Where(t => !TokenizerTestStrings.JsRegexQuirks.ContainsKey(t)).ToList();

        var (ids, decoded, _) = NodeReference.HuggingFaceEncode(saved, texts);

        var mismatches = new StringBuilder();
        for (var i = 0; i < texts.Count; i++)
        {
            var ours = tokenizer.Encode(texts[i]);
            if (!ours.AsSpan().SequenceEqual(ids[i]) || decoded[i] != texts[i])
                mismatches.AppendLine($"[{i}] \"{texts[i]}\"\n  ours: [{string.Join(",", ours)}]\n  hf:   [{string.Join(",", ids[i])}] \"{decoded[i]}\"");
        }
        Assert.True(mismatches.Length == 0, $"tokenizers.js reads our tokenizer.json differently:\n{mismatches}");
    }
}
