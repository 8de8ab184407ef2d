using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Cli;

/// <summary>Loads a Hugging Face model folder (config.json, model.safetensors, tokenizer.json) for a command's --model option.</summary>
public static class ModelFolder
{
    /// <summary>The model and its tokenizer; every problem becomes one <see cref="CliException"/> naming the option and the folder.</summary>
    public static (TransformerModel Model, BpeTokenizer Tokenizer) Load(string dir, string option = "--model")
    {
        if (!Directory.Exists(dir)) throw new CliException($"{option} {dir}: no such folder");
        const string expected = "expected a Hugging Face model folder with config.json, model.safetensors and tokenizer.json, as ./fpo pretrain writes";
        foreach (var file in new[] { HuggingFaceCheckpoint.ConfigFile, "tokenizer.json" })
            if (!File.Exists(Path.Combine(dir, file))) throw new CliException($"{option} {dir}: no {file} ({expected})");
        if (!File.Exists(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile)) && !File.Exists(Path.Combine(dir, HuggingFaceCheckpoint.IndexFile)))
            throw new CliException($"{option} {dir}: no {HuggingFaceCheckpoint.WeightsFile} ({expected})");
        try
        {
            var tokenizer = HuggingFaceTokenizerFile.Load(Path.Combine(dir, "tokenizer.json"));
            var (_, model) = HuggingFaceCheckpoint.Load(dir);
            return (model, tokenizer);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or NotSupportedException
                                      or SafetensorsFormatException or TokenizerFormatException)
        {
            throw new CliException(e.Message);
        }
    }
}
