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
        json["pre_tokenizer"] = TokenizerJsonFixture.Llama3Split();
        json["model"]!["ignore_merges"] = true;
        AssertHuggingFaceAgrees(files.Load(json));
    }

    private void AssertHuggingFaceAgrees(BpeTokenizer tokenizer)
    {
        var saved = Path.Combine(files.Directory, "saved");
        HuggingFaceTokenizerFile.Save(tokenizer, saved);
        var texts = TokenizerTestStrings.Handpicked.Concat(TokenizerTestStrings.LongPieces(seed: 8))
            .Concat(TokenizerTestStrings.Generated(100, seed: 12))
            .Where(t => !TokenizerTestStrings.JsRegexQuirks.ContainsKey(t)).ToList();

        var (ids, decoded) = NodeReference.HuggingFaceEncode(saved, texts);

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
