using System.Diagnostics;
using System.Text;
using Fpo.Models.Checkpoints;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>
/// One malformed file per test. Each asserts the exception type and that the message names the file, the tensor
/// (when one is involved) and the problem.
/// </summary>
public sealed class SafetensorsBadFileTests : IDisposable
{
    private const string W = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private SafetensorsFormatException Rejects(byte[] bytes, string? tensor, string problem)
    {
        var path = _dir.File("model.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(tensor, e.TensorName);
        if (tensor is not null) Assert.Contains($"tensor '{tensor}' ", e.Message);
        Assert.Contains(problem, e.Message);
        return e;
    }

    private SafetensorsFormatException Rejects(string json, int dataLength, string? tensor, string problem) =>
        Rejects(RawSafetensors.Build(json, dataLength), tensor, problem);

    [Fact]
    public void TheValidBaselineOpens()
    {
        var path = _dir.File("ok.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build("{" + W + "}", 8));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(2, file.ReadFloat32("w").Length);
    }

    [Fact]
    public void MissingFileIsFileNotFoundNamingThePath()
    {
        var path = _dir.File("absent.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void FileShorterThanTheLengthPrefix(int length) =>
        Rejects(new byte[length], null, $"file has {length} bytes, too short for the 8-byte header length prefix");

    [Fact]
    public void HeaderLengthZero() => Rejects(RawSafetensors.Build([], new byte[8], 0), null, "header length is 0");

    [Fact]
    public void TwoGigabyteHeaderClaimFailsFastWithoutAllocatingIt()
    {
        var bytes = RawSafetensors.Build("{" + W + "}", 8, claimedHeaderLength: 2_000_000_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Rejects(bytes, null, "header length 2000000000 exceeds the limit of 100000000 bytes");
        Assert.True(clock.ElapsedMilliseconds < 2000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1 << 20, "allocated over 1 MB");
    }

    [Fact]
    public void HeaderLengthWithTheTopBitSet() =>
        Rejects(RawSafetensors.Build("{}", 0, claimedHeaderLength: ulong.MaxValue), null, $"header length {ulong.MaxValue} exceeds the limit");

    [Fact]
    public void HeaderLengthPastTheEndOfTheFile() =>
        Rejects(RawSafetensors.Build("{" + W + "}", 8, claimedHeaderLength: 1000), null,
            "header length 1000 runs past the end of the file (64 bytes follow the length prefix)");

    [Fact]
    public void HeaderNotUtf8()
    {
        var header = Encoding.UTF8.GetBytes("{\"w\xff\":{}}   ");
        header[3] = 0xFF;
        Rejects(RawSafetensors.Build(header, []), null, "header is not valid UTF-8");
    }

    [Theory]
    [InlineData("[1, 2]", "header does not start with '{' (first byte 0x5B)")]
    [InlineData(" {}", "header does not start with '{' (first byte 0x20)")]
    [InlineData("{\"w\":", "header is not valid JSON")]
    [InlineData("{} x", "header is not valid JSON")]
    [InlineData("{,}", "header is not valid JSON")]
    [InlineData("{/*c*/}", "header is not valid JSON")]
    [InlineData("{}{}", "header is not valid JSON")]
    public void HeaderNotAJsonObject(string json, string problem) => Rejects(json, 0, null, problem);

    [Fact]
    public void HeaderStringWithALoneSurrogateEscape() =>
        Rejects("{\"\\ud800\":{}}", 0, null, "header has an invalid JSON string");

    [Fact]
    public void DeeplyNestedHeader() =>
        Rejects("{\"w\":{\"shape\":" + new string('[', 200) + new string(']', 200) + "}}", 0, "w",
            "has shape entry an array, expected a non-negative integer");

    [Theory]
    [InlineData("5", "is 5 in the header")]
    [InlineData("[]", "is an array in the header")]
    [InlineData("\"F32\"", "is a string in the header")]
    [InlineData("null", "is null in the header")]
    public void EntryNotAnObject(string value, string problem) => Rejects("{\"w\":" + value + "}", 0, "w", problem);

    [Theory]
    [InlineData("{\"shape\":[2],\"data_offsets\":[0,8]}", "has no 'dtype'")]
    [InlineData("{\"dtype\":\"F32\",\"data_offsets\":[0,8]}", "has no 'shape'")]
    [InlineData("{\"dtype\":\"F32\",\"shape\":[2]}", "has no 'data_offsets'")]
    public void MissingKey(string entry, string problem) => Rejects("{\"w\":" + entry + "}", 8, "w", problem);

    [Fact]
    public void ExtraKey() =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"stride\":[1]}}", 8, "w",
            "has unknown key 'stride' (expected exactly dtype, shape and data_offsets)");

    [Theory]
    [InlineData("\"F128\"", "has unknown dtype 'F128' (known: BOOL, U8,")]
    [InlineData("\"f32\"", "has unknown dtype 'f32'")]
    [InlineData("\"F4\"", "has unknown dtype 'F4'")]
    [InlineData("32", "has dtype 32, expected a string")]
    public void UnknownDType(string dtype, string problem) =>
        Rejects("{\"w\":{\"dtype\":" + dtype + ",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "w", problem);

    [Theory]
    [InlineData("2", "has shape 2, expected an array of non-negative integers")]
    [InlineData("{}", "has shape an object, expected an array")]
    [InlineData("[-2]", "has shape entry -2, expected a non-negative integer")]
    [InlineData("[2.0]", "has shape entry 2.0, expected a non-negative integer")]
    [InlineData("[2e0]", "has shape entry 2e0, expected a non-negative integer")]
    [InlineData("[\"2\"]", "has shape entry a string, expected a non-negative integer")]
    [InlineData("[null]", "has shape entry null")]
    [InlineData("[9223372036854775808]", "has shape entry 9223372036854775808, expected a non-negative integer below 2^63")]
    [InlineData("[1000000000000000000000000000000000000000000000000000000]", "has shape entry 10000000000000000000000000000000...")]
    public void ShapeNotAnArrayOfNonNegativeIntegers(string shape, string problem) =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", 8, "w", problem);

    [Fact]
    public void ElementCountOverflow() =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,8]}}", 8, "w",
            "has shape [4294967296, 4294967296, 4] whose element count overflows 64 bits");

    [Fact]
    public void ElementCountOverflowBeforeAZeroDimension() =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,0],\"data_offsets\":[0,0]}}", 0, "w",
            "has shape [4294967296, 4294967296, 0] whose element count overflows 64 bits");

    [Fact]
    public void ByteSizeOverflow() =>
        Rejects("{\"w\":{\"dtype\":\"F64\",\"shape\":[1152921504606846976,2],\"data_offsets\":[0,8]}}", 8, "w",
            "has shape [1152921504606846976, 2] whose size in bytes as F64 overflows 64 bits");

    [Fact]
    public void ZeroDimensionBeforeHugeOnesMakesAnEmptyTensor()
    {
        var path = _dir.File("zero.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,0,4294967296],\"data_offsets\":[0,0]}}", 0));
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.ReadFloat32("w"));
    }

    [Theory]
    [InlineData("[0]", "has data_offsets [0], expected [begin, end] with begin <= end")]
    [InlineData("[0,8,8]", "has data_offsets [0, 8, 8], expected [begin, end]")]
    [InlineData("[8,0]", "has data_offsets [8, 0], expected [begin, end] with begin <= end")]
    [InlineData("[-8,0]", "has data_offsets entry -8, expected a non-negative integer")]
    [InlineData("{\"begin\":0}", "has data_offsets an object, expected an array")]
    public void DataOffsetsNotAPair(string offsets, string problem) =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + offsets + "}}", 8, "w", problem);

    [Fact]
    public void ShapeAndDTypeDisagreeWithTheOffsets() =>
        Rejects("{\"h.0.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[768,2304],\"data_offsets\":[0,7077884]}}", 0,
            "h.0.attn.c_attn.weight", "has shape [768, 2304] (7077888 bytes as F32) but data_offsets [0, 7077884] span 7077884 bytes");

    [Fact]
    public void OffsetsPastTheDataSection() =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "w",
            "has data_offsets [0, 16] past the end of the data section (8 bytes)");

    [Fact]
    public void OffsetsPastTheDataSectionAtTheTopOfTheRange() =>
        Rejects("{\"w\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[9223372036854775799,9223372036854775807]}}", 8, "w",
            "has data_offsets [9223372036854775799, 9223372036854775807] past the end of the data section (8 bytes)");

    [Fact]
    public void GapBeforeTheFirstTensor() =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "w",
            "starts at byte 4 of the data section but no tensor precedes it: 4 bytes belong to no tensor");

    [Fact]
    public void GapBetweenTensors() =>
        Rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "b",
            "starts at byte 8 of the data section but the previous tensor 'a' ends at byte 4: 4 bytes belong to no tensor");

    [Fact]
    public void OverlappingTensors() =>
        Rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "b",
            "has data_offsets [4, 8] that overlap tensor 'a' [0, 8]");

    [Fact]
    public void TwoTensorsOnTheSameBytes() =>
        Rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "b",
            "has data_offsets [0, 8] that overlap tensor 'a' [0, 8]");

    [Fact]
    public void TrailingBytesAfterTheLastTensor() =>
        Rejects("{" + W + "}", 12, null, "data section has 12 bytes but the tensors cover only the first 8 (the last is 'w'): 4 trailing bytes belong to no tensor");

    [Fact]
    public void DataButNoTensors() =>
        Rejects("{}", 8, null, "data section has 8 bytes but the tensors cover only the first 0 (there are no tensors)");

    [Theory]
    [InlineData("[]", "__metadata__ is an array, expected an object of string to string")]
    [InlineData("\"pt\"", "__metadata__ is a string, expected an object")]
    [InlineData("{\"format\":1}", "__metadata__ entry 'format' is 1, expected a string")]
    [InlineData("{\"format\":{}}", "__metadata__ entry 'format' is an object, expected a string")]
    [InlineData("{\"format\":null}", "__metadata__ entry 'format' is null, expected a string")]
    [InlineData("{\"format\":\"pt\",\"format\":\"np\"}", "__metadata__ has key 'format' twice")]
    public void MetadataNotStringToString(string metadata, string problem) =>
        Rejects("{\"__metadata__\":" + metadata + "," + W + "}", 8, null, problem);

    [Fact]
    public void DuplicateTensor() => Rejects("{" + W + "," + W + "}", 8, "w", "appears twice in the header");

    [Fact]
    public void DuplicateMetadata() =>
        Rejects("{\"__metadata__\":{},\"__metadata__\":{}," + W + "}", 8, null, "header has two __metadata__ entries");

    [Theory]
    [InlineData("dtype", "\"F32\"")]
    [InlineData("shape", "[2]")]
    [InlineData("data_offsets", "[0,8]")]
    public void DuplicateKeyInsideAnEntry(string key, string value) =>
        Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"" + key + "\":" + value + "}}", 8, "w", $"has key '{key}' twice");

    [Fact]
    public void EscapedNamesAreUnescapedBeforeTheDuplicateCheck() =>
        Rejects("{" + W + ",\"\\u0077\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "w", "appears twice in the header");
}
