using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Tests;

/// <summary>A tiny random GPT-2 with a trained BPE, saved as a Hugging Face folder the CLI loads.</summary>
internal static class TinyModelFolder
{
    /// <summary>The BPE every tiny test model uses (trained once; tokenizers are immutable).</summary>
    public static BpeTokenizer Tokenizer { get; } =
        BpeTrainer.Train(Enumerable.Range(0, 300).Select(i => $"the cat {i % 11} sat on the mat with {i % 7} dogs. "), 300, ["<|endoftext|>"]);

    /// <summary>Writes the model (64 positions unless a test needs room for longer prompts) and its tokenizer to dir.</summary>
    public static void Write(string dir, int maxPositions = 64)
    {
        var config = ModelConfig.CreateGpt2(Tokenizer.VocabSize, maxPositions, layers: 2, channels: 32, heads: 4);
        HuggingFaceCheckpoint.Save(dir, new TransformerModel(config, seed: 1));
        HuggingFaceTokenizerFile.Save(Tokenizer, dir);
    }
}
