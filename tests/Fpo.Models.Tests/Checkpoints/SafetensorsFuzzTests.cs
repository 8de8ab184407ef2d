using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Fpo.Models.Checkpoints;
using Fpo.Testing.Fuzzing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>
/// Mutates valid files (bit flips, byte overwrites in the header and the length prefix, truncations, insertions,
/// deletions, header rewrites with hostile numbers) with a fixed seed. Every case must either open and read
/// every tensor at its declared size, or throw <see cref="SafetensorsFormatException"/>: no other exception,
/// no case slower than a bound, no case allocating more than a bound.
/// </summary>
public sealed class SafetensorsFuzzTests : IDisposable
{
    private const int Seed = 20261122;
    private const int Cases = 12_000;
    private const long MaxAllocatedBytesPerCase = 16 << 20;
    private const long MaxMillisecondsPerCase = 2_000;

    private static readonly string[] Numbers =
    [
        "0", "1", "2", "3", "4", "7", "8", "16", "-1", "-8", "255", "256", "65535", "2147483647", "2147483648",
        "4294967296", "9007199254740993", "4611686018427387904", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "1e30", "1.5", "2.0", "-0", "1E2", "100000000000000000000000",
    ];

    private static readonly string[] DTypes = ["F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", "C64", "F128", "f32", "", "F8_E4M3"];

    private static readonly byte[] Interesting = "\0 {}[],:\"\\-0123456789eE.tfn\xff"u8.ToArray();

    private readonly TempDirectory _dir = TempDirectory.InMemory();

    public void Dispose() => _dir.Dispose();

    private enum Mutation { BitFlips, HeaderBytes, LengthPrefix, Truncate, Insert, Delete, HeaderRewrite }

    private sealed record Base(byte[] Bytes, int HeaderLength, SafetensorsTensorInfo[] Tensors, Dictionary<string, string> Metadata);

    [Fact(Timeout = 120_000)]
    public async Task MutatedFilesOpenAndReadOrThrowSafetensorsFormatException()
    {
        var bases = Bases();
        await FuzzTally.RunAndReport(Cases, Seed, "opened and read", () => Run(bases));
    }

    private FuzzTally Run(List<Base> bases)
    {
        var random = new Random(Seed);
        var path = _dir.File("fuzz.safetensors");
        var tally = new FuzzTally();
        for (var i = 0; i < Cases; i++)
        {
            var source = bases[random.Next(bases.Count)];
            var kind = (Mutation)random.Next(Enum.GetValues<Mutation>().Length);
            var bytes = Mutate(random, source, kind);
            File.WriteAllBytes(path, bytes);
            string Case() => Describe(i, kind, bytes);
            var thrown = FuzzCase.Run(() =>
            {
                using var file = SafetensorsFile.Open(path);
                ReadEverything(file);
            }, MaxMillisecondsPerCase, MaxAllocatedBytesPerCase, Case);
            if (thrown is not null) FuzzCase.AssertUserFacing(thrown, [typeof(SafetensorsFormatException)], [path], Case);
            tally.Add(kind.ToString(), thrown is null);
        }
        return tally;
    }

    /// <summary>A file that opens must tile its data section and read every tensor at its declared size.</summary>
    private static void ReadEverything(SafetensorsFile file)
    {
        Assert.Equal(file.DataLength, file.Tensors.Values.Sum(t => t.ByteLength));
        foreach (var t in file.Tensors.Values)
        {
            Assert.Equal(t.ElementCount * t.DType.ByteSize(), t.ByteLength);
            switch (t.DType)
            {
                case SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.F64:
                    Assert.Equal(t.ElementCount, file.ReadFloat32(t.Name).Length);
                    break;
                case SafetensorsDType.I64 or SafetensorsDType.I32 or SafetensorsDType.U8 or SafetensorsDType.BOOL:
                    Assert.Equal(t.ElementCount, file.ReadInt64(t.Name).Length);
                    break;
                default:
                    Assert.Equal(t.ByteLength, file.GetBytes(t.Name).Length);
                    break;
            }
        }
    }

    private static string Describe(int i, Mutation kind, byte[] bytes) =>
        $"case {i} (seed {Seed}, {kind}, {bytes.Length} bytes: {Convert.ToBase64String(bytes, 0, Math.Min(bytes.Length, 2048))})";

    private List<Base> Bases()
    {
        var random = new Random(Seed + 1);
        float[] Floats(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() * 4 - 2).ToArray();
        List<SafetensorsTensor>[] sets =
        [
            [SafetensorsTensor.F32("w", [3, 4], Floats(12)), SafetensorsTensor.I64("ids", [5], [1L, 2L, 3L, 4L, 5L])],
            [
                SafetensorsTensor.F16("h.0.attn.c_attn.weight", [4, 6], Floats(24)),
                SafetensorsTensor.BF16("h.0.ln_1.bias", [4], Floats(4)),
                SafetensorsTensor.F64("scale", [], [0.5]),
                SafetensorsTensor.Raw("mask", SafetensorsDType.BOOL, [2, 3], new byte[] { 1, 0, 1, 1, 0, 0 }),
                SafetensorsTensor.F32("empty", [0, 7], Array.Empty<float>()),
                SafetensorsTensor.I32("pos", [2, 2], [0, 1, 2, 3]),
                SafetensorsTensor.Raw("q", SafetensorsDType.U16, [3], new byte[6]),
            ],
            [SafetensorsTensor.Raw("u", SafetensorsDType.U8, [7], new byte[] { 1, 2, 3, 4, 5, 6, 7 }), SafetensorsTensor.F32("x", [1, 1, 2], Floats(2))],
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "42" };
        var files = new List<string>();
        for (var k = 0; k < sets.Length; k++)
        {
            files.Add(_dir.File($"base{k}.safetensors"));
            SafetensorsWriter.Write(files[^1], sets[k], k == 1 ? metadata : null);
        }
        // The layout tests/reference/_golden.py writes: given order, unaligned, metadata last.
        files.Add(_dir.File("python.safetensors"));
        File.WriteAllBytes(files[^1], RawSafetensors.Build(
            "{\"a.f16\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},\"b.f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[6,14]}," +
            "\"c.i64\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[14,22]},\"__metadata__\":{\"format\":\"pt\"}}", 22));
        var result = new List<Base>();
        foreach (var path in files)
        {
            using var file = SafetensorsFile.Open(path);
            var bytes = File.ReadAllBytes(path);
            result.Add(new Base(bytes, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes), [.. file.Tensors.Values.OrderBy(t => t.Begin)],
                new Dictionary<string, string>(file.Metadata)));
        }
        return result;
    }

    private static byte[] Mutate(Random random, Base source, Mutation kind)
    {
        var bytes = (byte[])source.Bytes.Clone();
        var headerEnd = 8 + source.HeaderLength;
        switch (kind)
        {
            case Mutation.BitFlips:
            {
                // Flips in the data section must leave the file readable; flips in the prefix and header mostly must not.
                var (from, to) = random.Next(3) == 0 ? (headerEnd, bytes.Length) : (0, headerEnd);
                for (var n = random.Next(1, 9); n > 0 && to > from; n--)
                    bytes[random.Next(from, to)] ^= (byte)(1 << random.Next(8));
            }
                return bytes;
            case Mutation.HeaderBytes:
                for (var n = random.Next(1, 5); n > 0; n--)
                    bytes[random.Next(8, headerEnd)] = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
                return bytes;
            case Mutation.LengthPrefix:
                ulong[] lengths = [0, 1, 2, 7, 8, (ulong)source.HeaderLength - 1, (ulong)source.HeaderLength + 1, (ulong)(bytes.Length - 8),
                    (ulong)(bytes.Length - 7), 100_000_000, 100_000_001, 2_000_000_000, 1UL << 32, 1UL << 63, ulong.MaxValue];
                if (random.Next(3) == 0)
                    bytes[random.Next(8)] = (byte)random.Next(256);
                else
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengths[random.Next(lengths.Length)]);
                return bytes;
            case Mutation.Truncate:
                return bytes[..random.Next(bytes.Length)];
            case Mutation.Insert:
            {
                var at = random.Next(4) == 0 ? random.Next(bytes.Length + 1) : random.Next(8, headerEnd + 1);
                var inserted = new byte[random.Next(1, 17)];
                for (var j = 0; j < inserted.Length; j++)
                    inserted[j] = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
                var result = Concat(bytes[..at], inserted, bytes[at..]);
                if (at >= 8 && at <= headerEnd && random.Next(2) == 0)
                    BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)(source.HeaderLength + inserted.Length));
                return result;
            }
            case Mutation.Delete:
            {
                var at = random.Next(bytes.Length);
                var length = Math.Min(random.Next(1, 17), bytes.Length - at);
                var result = Concat(bytes[..at], bytes[(at + length)..]);
                if (at >= 8 && at + length <= headerEnd && random.Next(2) == 0)
                    BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)(source.HeaderLength - length));
                return result;
            }
            default:
                return Rewrite(random, source);
        }
    }

    /// <summary>Re-emits the header as text with hostile numbers, dtypes, keys and names, then the original data (maybe resized).</summary>
    private static byte[] Rewrite(Random random, Base source)
    {
        // Half the rewrites only reorder entries and keys, which must still open; the rest vary in how hostile they are.
        var hostility = random.Next(2) == 0 ? 0 : random.Next(1, 40);
        bool Rare() => random.Next(400) < hostility;
        string Num(long real) => !Rare() ? real.ToString(CultureInfo.InvariantCulture)
            : random.Next(4) == 0 ? (real + random.Next(-8, 9)).ToString(CultureInfo.InvariantCulture)
            : Numbers[random.Next(Numbers.Length)];

        var json = new StringBuilder("{");
        var first = true;
        void Key(string key)
        {
            if (!first) json.Append(',');
            first = false;
            json.Append('"').Append(key).Append("\":");
        }
        if (source.Metadata.Count > 0 || Rare())
        {
            Key("__metadata__");
            json.Append(Rare() ? "[]" : "{" + string.Join(",", source.Metadata.Select(m => $"\"{m.Key}\":" + (Rare() ? "7" : $"\"{m.Value}\""))) + "}");
        }
        foreach (var t in source.Tensors.OrderBy(_ => random.Next()))
        {
            Key(Rare() ? source.Tensors[random.Next(source.Tensors.Length)].Name : t.Name);
            var fields = new List<string>();
            if (!Rare()) fields.Add("\"dtype\":\"" + (Rare() ? DTypes[random.Next(DTypes.Length)] : t.DType.ToString()) + "\"");
            var shape = t.Shape.Select(Num).ToList();
            if (Rare()) shape.Add(Num(1));
            if (Rare() && shape.Count > 0) shape.RemoveAt(0);
            if (!Rare()) fields.Add("\"shape\":[" + string.Join(",", shape) + "]");
            if (!Rare()) fields.Add("\"data_offsets\":[" + Num(t.Begin) + "," + Num(t.End) + (Rare() ? ",0" : "") + "]");
            if (Rare()) fields.Add(fields.Count > 0 ? fields[0] : "\"extra\":1");
            json.Append('{').AppendJoin(',', fields.OrderBy(_ => random.Next(3))).Append('}');
        }
        json.Append('}');

        var header = Encoding.UTF8.GetBytes(json.ToString());
        if (random.Next(4) != 0) header = Concat(header, Encoding.ASCII.GetBytes(new string(' ', (8 - header.Length % 8) % 8)));
        var data = source.Bytes[(8 + source.HeaderLength)..];
        if (Rare()) data = data[..random.Next(data.Length + 1)];
        if (Rare()) data = Concat(data, new byte[random.Next(1, 9)]);
        return RawSafetensors.Build(header, data);
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(result, at);
            at += p.Length;
        }
        return result;
    }
}
