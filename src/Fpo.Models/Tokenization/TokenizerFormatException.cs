namespace Fpo.Models.Tokenization;

/// <summary>A tokenizer file that cannot be read: the message names the file, the entry and the problem.</summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string message) : base(message) { }

    public TokenizerFormatException(string message, Exception inner) : base(message, inner) { }
}
