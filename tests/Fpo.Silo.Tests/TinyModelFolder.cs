using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Tests;

/// <summary>A tiny random GPT-2 with a trained BPE, saved as a Hugging Face folder the CLI loads.</summary>
internal static class TinyModelFolder
{
    public static void Write(string dir)
    {
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 300).Select(i => $"the cat {i % 11} sat on the mat with {i % 7} dogs. "), 300, ["<|endoftext|>"]);
        var config = ModelConfig.CreateGpt2(tokenizer.VocabSize, maxPositions: 64, layers: 2, channels: 32, heads: 4);
        HuggingFaceCheckpoint.Save(dir, new TransformerModel(config, seed: 1));
        HuggingFaceTokenizerFile.Save(tokenizer, dir);
    }
}
