using System.Text.Json;

namespace Fpo.Models.Tokenization;

/// <summary>OpenAI's original GPT-2 files: encoder.json (token → id) and vocab.bpe (a version line, then one merge per line).</summary>
public static class Gpt2TokenizerFiles
{
    private const string EndOfText = "<|endoftext|>";

    /// <summary>Loads GPT-2's tokenizer; &lt;|endoftext|&gt; is a special token (and bos/eos) when encoder.json has it.</summary>
    public static BpeTokenizer Load(string encoderJsonPath, string vocabBpePath)
    {
        var vocab = ReadEncoder(encoderJsonPath);
        var merges = ReadMerges(vocabBpePath);
        var source = new TokenizerSource(encoderJsonPath, Path.GetFileName(encoderJsonPath), vocabBpePath, i => $"line {i + 2}");
        AddedToken[] added = vocab.TryGetValue(EndOfText, out var eot) ? [new AddedToken(eot, EndOfText, Special: true)] : [];
        return BpeTokenizer.Create(vocab, merges, added, new BpeOptions(), source);
    }

    private static Dictionary<string, int> ReadEncoder(string path)
    {
        Dictionary<string, int>? vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path}: not a JSON object of token → integer id: {e.Message}", e);
        }
        return vocab ?? throw new TokenizerFormatException($"{path}: is null, expected a JSON object of token → id");
    }

    private static List<(string, string)> ReadMerges(string path)
    {
        var lines = File.ReadAllLines(path);
        var merges = new List<(string, string)>(lines.Length);
        // Line 1 is "#version: 0.2"; GPT-2's reader skips it whatever it says.
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 && i == lines.Length - 1)
                break;
            if (lines[i].Split(' ') is not [var left, var right] || left.Length == 0 || right.Length == 0)
                throw new TokenizerFormatException($"{path}: line {i + 1} '{lines[i]}' is not a merge 'left right'");
            merges.Add((left, right));
        }
        return merges;
    }
}
