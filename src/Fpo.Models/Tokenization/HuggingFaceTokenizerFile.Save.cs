using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fpo.Models.Tokenization;

public static partial class HuggingFaceTokenizerFile
{
    /// <summary>Writes tokenizer.json (GPT-2's layout: ByteLevel pre-tokenizer, post-processor and decoder, merges as
    /// "left right" strings that every tokenizers version reads) and a minimal tokenizer_config.json into a directory.</summary>
    public static void Save(BpeTokenizer tokenizer, string directory)
    {
        Directory.CreateDirectory(directory);
        WriteJson(Path.Combine(directory, "tokenizer.json"), w => WriteTokenizer(w, tokenizer));
        WriteJson(Path.Combine(directory, "tokenizer_config.json"), w => WriteConfig(w, tokenizer));
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write)
    {
        // Relaxed escaping keeps byte-level tokens such as "Ġthe" readable, as in Hugging Face's own files.
        var writerOptions = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, writerOptions);
        write(writer);
    }

    private static void WriteTokenizer(Utf8JsonWriter w, BpeTokenizer tokenizer)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var t in tokenizer.AddedTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", t.Id);
            w.WriteString("content", t.Content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", !t.Special);
            w.WriteBoolean("special", t.Special);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (tokenizer.Options.NormalizeNfc)
        {
            w.WriteStartObject("normalizer");
            w.WriteString("type", "NFC");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("normalizer");
        }
        WritePreTokenizer(w, tokenizer.Options.PreTokenizer);
        WriteByteLevel(w, "post_processor", useRegex: true);
        WriteByteLevel(w, "decoder", useRegex: true);
        WriteModel(w, tokenizer);
        w.WriteEndObject();
    }

    private static void WritePreTokenizer(Utf8JsonWriter w, PreTokenizer pre)
    {
        if (pre == PreTokenizer.Gpt2 || pre == PreTokenizer.None)
        {
            WriteByteLevel(w, "pre_tokenizer", useRegex: pre == PreTokenizer.Gpt2);
            return;
        }
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", pre.Pattern);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        WriteByteLevel(w, null, useRegex: false);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name, bool useRegex)
    {
        if (name is null)
            w.WriteStartObject();
        else
            w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", useRegex);
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, BpeTokenizer tokenizer)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", tokenizer.Options.IgnoreMerges);
        w.WriteStartObject("vocab");
        for (var id = 0; id < tokenizer.ModelVocabSize; id++)
            w.WriteNumber(tokenizer.IdToToken(id)!, id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in tokenizer.Merges)
            w.WriteStringValue($"{left} {right}");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter w, BpeTokenizer tokenizer)
    {
        w.WriteStartObject();
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        WriteTokenName(w, "bos_token", tokenizer.BosTokenId, tokenizer);
        WriteTokenName(w, "eos_token", tokenizer.EosTokenId, tokenizer);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteEndObject();
    }

    private static void WriteTokenName(Utf8JsonWriter w, string key, int? id, BpeTokenizer tokenizer)
    {
        if (id is int i)
            w.WriteString(key, tokenizer.IdToToken(i));
        else
            w.WriteNull(key);
    }
}
