using System.Text;
using Fpo.Models.Generation;

namespace Fpo.Models.Tests.Generation;

/// <summary>Token-by-token decoding gives exactly the whole text's decoding, and stop strings are found in the tail.</summary>
public class IncrementalTextTests
{
    [Theory]
    [InlineData("héllo wörld € 😀 end", 1)]
    [InlineData("héllo wörld € 😀 end", 2)]
    [InlineData("日本語😀😃", 3)]
    public void SplitCharactersDecodeWhole(string text, int chunk)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var incremental = new IncrementalText([]);
        for (var i = 0; i < bytes.Length; i += chunk)
            Assert.False(incremental.Append(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i))));
        Assert.Equal(text, incremental.Finish());
    }

    [Fact]
    public void InvalidAndTruncatedBytesBecomeReplacementCharactersAsInAWholeDecode()
    {
        byte[] bytes = [0x61, 0xC3, 0x62, 0xA9, 0xE2, 0x82, 0x63, 0xF0, 0x9F, 0x98];
        var incremental = new IncrementalText([]);
        foreach (var b in bytes) incremental.Append([b]);
        Assert.Equal(Encoding.UTF8.GetString(bytes), incremental.Finish());
    }

    [Fact]
    public void AStopStringIsFoundAcrossAppendsAndTheTextEndsBeforeIt()
    {
        var text = new IncrementalText(["<end>", "€!"]);
        Assert.False(text.Append("one <e"u8));
        Assert.False(text.Append("n"u8));
        Assert.True(text.Append("d> two"u8));
        Assert.Equal("<end>", text.Stop);
        Assert.Equal("one ", text.Finish());

        var euro = new IncrementalText(["<end>", "€!"]);
        Assert.False(euro.Append([0x61, 0xE2]));
        Assert.False(euro.Append([0x82]));
        Assert.False(euro.Append([0xAC]));
        Assert.True(euro.Append("!<end>"u8));
        Assert.Equal("€!", euro.Stop);  // the earlier match wins
        Assert.Equal("a", euro.Finish());
    }

    [Fact]
    public void ReleaseHoldsBackWhatMayStartAStopAndNeverReleasesTheStop()
    {
        var text = new IncrementalText(["<end>"]);
        text.Append("one <e"u8);
        Assert.Equal("on", text.Release(finished: false));  // "e <e" could still become "<end>"
        text.Append("n"u8);
        Assert.Equal("e", text.Release(finished: false));
        Assert.True(text.Append("d> two"u8));
        Assert.Equal(" ", text.Release(finished: true));
        Assert.Equal("one ", text.Finish());

        var plain = new IncrementalText([]);
        plain.Append("abc"u8);
        Assert.Equal("abc", plain.Release(finished: false));
        plain.Append([0xE2, 0x82]);
        Assert.Equal("", plain.Release(finished: false));
        Assert.Equal("\uFFFD", plain.Release(finished: true));
    }
}
