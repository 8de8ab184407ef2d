using System.ClientModel.Primitives;
using System.Globalization;

namespace Fpo.Alignment.Judges;

/// <summary>
/// How long to wait before retry number <c>attempt</c> (0-based): the server's <c>Retry-After</c> (seconds or an HTTP
/// date; <c>retry-after-ms</c> as OpenAI and Azure send it) when given, else exponential backoff
/// initial·2^attempt capped at max; either way with up to 25% random jitter added, so clients that failed together do
/// not retry together. Never shorter than what the server asked for.
/// </summary>
internal static class RetryDelay
{
    public static TimeSpan Next(int attempt, TimeSpan initial, TimeSpan max, TimeSpan? retryAfter, Random random)
    {
        var baseDelay = retryAfter ?? TimeSpan.FromTicks((long)Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, Math.Min(attempt, 30))));
        return baseDelay + baseDelay * (0.25 * random.NextDouble());
    }

    /// <summary>The wait a response asks for, or null when it asks for none (or asks nonsense).</summary>
    public static TimeSpan? RetryAfter(PipelineResponse? response, DateTimeOffset now)
    {
        if (response is null) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0)
            return TimeSpan.FromMilliseconds(m);
        if (!response.Headers.TryGetValue("Retry-After", out var value) || value is null) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
