namespace Fpo.Grains.Backbone;

/// <summary>
/// Turns a stream's values into text and back, so a backbone can keep them on disk (the embedded run folder) or in a
/// database row. Decode throws <see cref="FormatException"/> with the problem named for text it cannot read.
/// </summary>
public interface IRecordCodec<T>
{
    string Encode(T value);
    T Decode(string text);
}
