using System.Text;

namespace Fpo.Models.Generation;

/// <summary>
/// The text of one sample, built token by token from the tokens' exact bytes. The UTF-8 decoder holds back an
/// incomplete multi-byte sequence until its last byte arrives, so a character split over tokens comes out whole
/// instead of as U+FFFD. Stop strings are searched only in the tail that the newly completed characters can reach,
/// so each token costs the length of the longest stop string, not the length of the text.
/// </summary>
internal sealed class IncrementalText(IReadOnlyList<string> stops)
{
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly StringBuilder _text = new();
    private readonly int _longestStop = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
    private char[] _chars = new char[16];
    private int _cut = -1;
    private int _released;
    private string? _final;

    /// <summary>The stop string that fired, once one has.</summary>
    public string? Stop { get; private set; }

    /// <summary>Appends one token's bytes; returns true when the text now contains a stop string (the earliest match
    /// wins, ties go to the first listed).</summary>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        var before = _text.Length;
        var count = _utf8.GetCharCount(bytes, flush: false);
        if (_chars.Length < count) _chars = new char[Math.Max(count, 2 * _chars.Length)];
        _text.Append(_chars, 0, _utf8.GetChars(bytes, _chars, flush: false));
        if (_longestStop == 0 || _text.Length == before) return false;

        // Every earlier call found no match, so a match must end in the new characters.
        var from = Math.Max(0, before - _longestStop + 1);
        var tail = _text.ToString(from, _text.Length - from);
        var best = int.MaxValue;
        foreach (var stop in stops)
        {
            var at = tail.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < best) (best, Stop) = (at, stop);
        }
        if (Stop is null) return false;
        _cut = from + best;
        return true;
    }

    /// <summary>The final text: cut before the stop string, or with a trailing incomplete byte sequence as U+FFFD
    /// (as Hugging Face's decode does). Calling it again returns the same text.</summary>
    public string Finish()
    {
        if (_final is not null) return _final;
        if (_cut >= 0) return _final = _text.ToString(0, _cut);
        var count = _utf8.GetCharCount([], flush: true);
        if (_chars.Length < count) _chars = new char[count];
        _text.Append(_chars, 0, _utf8.GetChars([], _chars, flush: true));
        return _final = _text.ToString();
    }

    /// <summary>
    /// The text that became final since the last call, for streaming. While the sample goes on, the last
    /// (longest stop - 1) characters are held back: a later token may complete a stop string that starts in them, and
    /// those characters are then cut. Once <paramref name="finished"/>, the rest of <see cref="Finish"/> is released.
    /// </summary>
    public string Release(bool finished)
    {
        var end = finished ? Finish().Length : Math.Max(_released, _text.Length - Math.Max(0, _longestStop - 1));
        var delta = finished ? _final!.Substring(_released, end - _released) : _text.ToString(_released, end - _released);
        _released = end;
        return delta;
    }
}
