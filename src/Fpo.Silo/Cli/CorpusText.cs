using System.Text;

namespace Fpo.Silo.Cli;

/// <summary>Reads a text corpus strictly: a file that is not UTF-8 is an error that says where, not silently replaced text.</summary>
public static class CorpusText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such file");
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return Strict.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            throw new CliException($"{path}: not valid UTF-8 at byte {e.Index}");
        }
    }
}
