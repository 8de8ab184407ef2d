namespace Fpo.Models.Tokenization;

/// <summary>
/// A token matched verbatim in the text before BPE runs (e.g. &lt;|endoftext|&gt;). Special tokens are matched only
/// when the caller allows them; plain added tokens always are.
/// </summary>
public sealed record AddedToken(int Id, string Content, bool Special);
