using System.Text;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Api;

/// <summary>
/// Turns chat messages into one prompt: <see cref="Begin"/>, then <see cref="Message"/> once per message with
/// <c>{role}</c> and <c>{content}</c> filled in, then <see cref="Generation"/>, after which the model writes the
/// assistant's reply. The template's own text may contain special tokens (Llama 3's headers); the roles and contents
/// are encoded as plain text, so a client cannot inject a special token. <see cref="Stops"/> end the reply: one that
/// is a special token of the tokenizer stops on that token id, any other on its text.
/// <para>
/// A template file (<c>--chat-template FILE</c>) has one <c>key = value</c> per line; lines starting with # and blank
/// lines are skipped; values are trimmed, and <c>\n</c>, <c>\t</c>, <c>\s</c> (a space) and <c>\\</c> are escapes.
/// Keys: <c>begin</c> (optional), <c>message</c> (required, must contain {content}), <c>generation</c> (optional),
/// <c>stop</c> (optional, repeatable). Example (Llama 3):
/// <code>
/// begin = &lt;|begin_of_text|&gt;
/// message = &lt;|start_header_id|&gt;{role}&lt;|end_header_id|&gt;\n\n{content}&lt;|eot_id|&gt;
/// generation = &lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n
/// stop = &lt;|eot_id|&gt;
/// </code>
/// </para>
/// </summary>
public sealed record ChatTemplate(string Begin, string Message, string Generation, IReadOnlyList<string> Stops)
{
    private static readonly string[] Llama3Tokens = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];

    /// <summary>GPT-2 and any model without chat tokens: "role: content" lines, then "assistant:".</summary>
    public static ChatTemplate Plain { get; } = new("", "{role}: {content}\n", "assistant:", ["\nuser:"]);

    /// <summary>Llama 3's header tokens.</summary>
    public static ChatTemplate Llama3 { get; } = new("<|begin_of_text|>",
        "<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>", "<|start_header_id|>assistant<|end_header_id|>\n\n", ["<|eot_id|>"]);

    /// <summary>Llama 3's template when the model is a Llama whose tokenizer has its header tokens, else the plain one.</summary>
    public static ChatTemplate For(ModelConfig config, BpeTokenizer tokenizer)
    {
        if (config.Family != ModelConfig.Llama || !Llama3Tokens.All(t => tokenizer.TokenToId(t) is not null)) return Plain;
        return tokenizer.TokenToId("<|begin_of_text|>") is null ? Llama3 with { Begin = "" } : Llama3;
    }

    /// <summary>Reads a template file; every problem names the file and line.</summary>
    public static ChatTemplate Load(string path)
    {
        string? begin = null, message = null, generation = null;
        var stops = new List<string>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var where = $"{path}:{i + 1}";
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) throw new FormatException($"{where}: expected key = value, got '{line}'");
            var value = Unescape(line[(eq + 1)..].Trim(), where);
            switch (line[..eq].Trim())
            {
                case "begin": begin = value; break;
                case "message": message = value; break;
                case "generation": generation = value; break;
                case "stop":
                    if (value.Length == 0) throw new FormatException($"{where}: a stop must not be empty");
                    stops.Add(value);
                    break;
                case var key: throw new FormatException($"{where}: unknown key '{key}' (known: begin, message, generation, stop)");
            }
        }
        if (message is null) throw new FormatException($"{path}: no 'message = ...' line; it says how each message is written, e.g. message = {{role}}: {{content}}\\n");
        if (!message.Contains("{content}", StringComparison.Ordinal)) throw new FormatException($"{path}: the message template '{message}' has no {{content}}");
        return new ChatTemplate(begin ?? "", message, generation ?? "", stops);
    }

    /// <summary>The prompt's token ids: template text with special tokens allowed, roles and contents without.</summary>
    public int[] Encode(IReadOnlyList<(string Role, string Content)> messages, BpeTokenizer tokenizer)
    {
        var ids = new List<int>();
        void Add(string text, bool template) => ids.AddRange(tokenizer.Encode(text, allowSpecial: template));
        Add(Begin, true);
        foreach (var (role, content) in messages)
        {
            var rest = Message.AsSpan();
            while (rest.Length > 0)
            {
                var at = NextPlaceholder(rest, out var length, out var isRole);
                Add(rest[..at].ToString(), true);
                if (length == 0) break;
                Add(isRole ? role : content, false);
                rest = rest[(at + length)..];
            }
        }
        Add(Generation, true);
        return [.. ids];
    }

    /// <summary>The stops that are special tokens of the tokenizer, as ids.</summary>
    public int[] StopTokenIds(BpeTokenizer tokenizer) =>
        [.. Stops.Select(s => tokenizer.TokenToId(s) is { } id && tokenizer.IsSpecial(id) ? id : -1).Where(id => id >= 0)];

    /// <summary>The other stops, matched on the text.</summary>
    public string[] StopStrings(BpeTokenizer tokenizer) =>
        [.. Stops.Where(s => !(tokenizer.TokenToId(s) is { } id && tokenizer.IsSpecial(id)))];

    // The index of the first {role} or {content} (its length and which), or the text's length and 0 when none is left.
    private static int NextPlaceholder(ReadOnlySpan<char> text, out int length, out bool isRole)
    {
        var role = text.IndexOf("{role}", StringComparison.Ordinal);
        var content = text.IndexOf("{content}", StringComparison.Ordinal);
        isRole = role >= 0 && (content < 0 || role < content);
        var at = isRole ? role : content;
        length = at < 0 ? 0 : isRole ? "{role}".Length : "{content}".Length;
        return at < 0 ? text.Length : at;
    }

    private static string Unescape(string value, string where)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\')
            {
                text.Append(value[i]);
                continue;
            }
            if (++i == value.Length) throw new FormatException($"{where}: the value ends in a lone backslash");
            text.Append(value[i] switch
            {
                'n' => '\n',
                't' => '\t',
                's' => ' ',
                '\\' => '\\',
                var c => throw new FormatException($"{where}: unknown escape \\{c} (known: \\n, \\t, \\s, \\\\)"),
            });
        }
        return text.ToString();
    }
}
