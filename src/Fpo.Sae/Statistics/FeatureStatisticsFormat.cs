using System.Buffers.Binary;
using System.Text;

namespace Fpo.Sae.Statistics;

/// <summary>
/// A compact little-endian binary form of <see cref="FeatureStatistics"/>, identical for equal statistics (latents
/// ascending, only non-empty histogram bins, contexts in rank order), so bytes can be compared and hashed:
/// <code>
/// "FPOFSTAT" u32 version=1 | i32 latents, i32 topN, i32 radius, i64 totalTokens, i32 entries
/// entry:   i32 latent, i64 count, i128 sum, i128 sumOfSquares (fixed point, 2^-32), f32 max,
///          u8 bins, bins × (u8 bin, i64 count), u16 contexts,
/// context: f32 activation, i64 sourceId, i32 position, i32 windowStart, u16 length, length × i32 token, length × f32 activation
/// </code>
/// Reading checks every field and every invariant and allocates only what the bytes present back.
/// </summary>
public static class FeatureStatisticsFormat
{
    private const uint Version = 1;
    private static readonly byte[] Magic = "FPOFSTAT"u8.ToArray();

    public static byte[] Serialize(FeatureStatistics stats)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(stats.Latents);
            w.Write(stats.TopN);
            w.Write(stats.ContextRadius);
            w.Write(stats.TotalTokens);
            w.Write(stats.ActiveLatentCount);
            foreach (var j in stats.ActiveLatents)
            {
                var s = stats[j]!;
                w.Write(j);
                w.Write(s.Count);
                Write(w, s.SumFixed);
                Write(w, s.SumOfSquaresFixed);
                w.Write(s.Max);
                var bins = s.Histogram;
                var used = 0;
                foreach (var n in bins) if (n != 0) used++;
                w.Write((byte)used);
                for (var b = 0; b < bins.Length; b++)
                    if (bins[b] != 0)
                    {
                        w.Write((byte)b);
                        w.Write(bins[b]);
                    }
                w.Write((ushort)s.TopContexts.Count);
                foreach (var c in s.TopContexts)
                {
                    w.Write(c.Activation);
                    w.Write(c.SourceId);
                    w.Write(c.Position);
                    w.Write(c.WindowStart);
                    w.Write((ushort)c.TokenIds.Length);
                    foreach (var t in c.TokenIds) w.Write(t);
                    foreach (var a in c.Activations) w.Write(a);
                }
            }
        }
        return stream.ToArray();
    }

    /// <summary>Parses bytes from <see cref="Serialize"/>; errors are InvalidDataException "source: byte N: problem".</summary>
    public static FeatureStatistics Deserialize(ReadOnlySpan<byte> bytes, string source)
    {
        var r = new Reader(bytes, source);
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic)) throw r.Error("does not start with \"FPOFSTAT\"; not feature statistics");
        r.Skip(Magic.Length);
        var version = r.U32();
        if (version != Version) throw r.Error($"version {version} is not supported (this build reads {Version})");
        int latents = r.I32(), topN = r.I32(), radius = r.I32();
        if (latents < 1 || topN < 0 || topN > FeatureStatistics.MaxTopN || radius < 0 || radius > FeatureStatistics.MaxContextRadius)
            throw r.Error($"shape latents {latents}, top {topN}, radius {radius} is out of range");
        var stats = new FeatureStatistics(latents, topN, radius) { TotalTokens = r.I64() };
        if (stats.TotalTokens < 0) throw r.Error($"total tokens {stats.TotalTokens} is negative");
        var entries = r.I32();
        if (entries < 0 || entries > latents) throw r.Error($"{entries} active latents, expected 0 to {latents}");
        var previous = -1;
        for (var e = 0; e < entries; e++)
        {
            var j = r.I32();
            if (j <= previous || j >= latents) throw r.Error($"latent {j} is out of order or outside [0, {latents})");
            previous = j;
            ReadLatent(ref r, stats, j);
        }
        if (!r.AtEnd) throw r.Error("unexpected bytes after the last latent");
        return stats;
    }

    private static void ReadLatent(ref Reader r, FeatureStatistics stats, int j)
    {
        var s = stats.GetOrAdd(j);
        s.Count = r.I64();
        if (s.Count < 1 || s.Count > stats.TotalTokens) throw r.Error($"latent {j}: count {s.Count} must be in [1, total tokens {stats.TotalTokens}]");
        s.SumFixed = r.I128();
        s.SumOfSquaresFixed = r.I128();
        s.Max = r.F32();
        if (s.SumFixed < 0 || s.SumOfSquaresFixed < 0 || !(s.Max > 0 && s.Max <= FeatureStatistics.MaxActivation))
            throw r.Error($"latent {j}: sum, sum of squares or max {s.Max} is out of range");
        int used = r.U8(), previous = -1;
        long total = 0;
        for (var i = 0; i < used; i++)
        {
            var b = r.U8();
            if (b <= previous || b >= ActivationHistogram.Bins) throw r.Error($"latent {j}: histogram bin {b} is out of order or outside [0, {ActivationHistogram.Bins})");
            previous = b;
            var n = r.I64();
            if (n < 1) throw r.Error($"latent {j}: histogram bin {b} holds {n}; only non-empty bins are stored");
            s.Bins[b] = n;
            total += n;
        }
        if (total != s.Count) throw r.Error($"latent {j}: the histogram holds {total} activations but the count is {s.Count}");
        int contexts = r.U16();
        if (contexts > Math.Min(stats.TopN, s.Count)) throw r.Error($"latent {j}: {contexts} contexts, more than top {stats.TopN} or the count {s.Count}");
        for (var i = 0; i < contexts; i++)
        {
            var c = ReadContext(ref r, stats.ContextRadius, j, s.Max);
            if (i > 0 && ActivatingContext.Rank.Compare(s.Top[^1], c) > 0) throw r.Error($"latent {j}: context {i} is out of rank order");
            s.Top.Add(c);
        }
    }

    private static ActivatingContext ReadContext(ref Reader r, int radius, int j, float max)
    {
        var activation = r.F32();
        long source = r.I64();
        int position = r.I32(), start = r.I32(), length = r.U16();
        if (!(activation > 0 && activation <= max)) throw r.Error($"latent {j}: context activation {activation} is outside (0, max {max}]");
        if (start < 0 || position < start || position >= start + length || length > 2 * radius + 1 || position - start > radius)
            throw r.Error($"latent {j}: window [{start}, {(long)start + length}) does not hold position {position} within radius {radius}");
        r.Need(8L * length);
        var tokens = new int[length];
        for (var i = 0; i < length; i++) tokens[i] = r.I32();
        var activations = new float[length];
        for (var i = 0; i < length; i++)
        {
            activations[i] = r.F32();
            if (!(activations[i] >= 0 && activations[i] <= max)) throw r.Error($"latent {j}: window activation {activations[i]} is outside [0, max {max}]");
        }
        if (activations[position - start] != activation) throw r.Error($"latent {j}: the window's activation at position {position} differs from the context's {activation}");
        return new ActivatingContext(activation, source, position, start, tokens, activations);
    }

    private static void Write(BinaryWriter w, Int128 value)
    {
        w.Write((ulong)(value & ulong.MaxValue));
        w.Write((long)(value >> 64));
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, string source)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool AtEnd => _at == _bytes.Length;

        public readonly InvalidDataException Error(string problem) => new($"{source}: byte {_at}: {problem}");

        public readonly void Need(long count)
        {
            if (count > _bytes.Length - _at) throw Error($"needs {count} more bytes but only {_bytes.Length - _at} remain; the data is truncated");
        }

        public void Skip(int count)
        {
            Need(count);
            _at += count;
        }

        public int U8() => Take(1)[0];

        public int U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public Int128 I128()
        {
            var low = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
            var high = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
            return new Int128((ulong)high, low);
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            Need(count);
            var span = _bytes.Slice(_at, count);
            _at += count;
            return span;
        }
    }
}
