using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Fpo.Alignment.Chat;

/// <summary>
/// A chat client that waits for <see cref="ChatRateLimits"/> before each request and holds its slot until the answer
/// is in. The limits are charged once per request: the retries below it (in the HTTP pipeline) answer a server that
/// failed or asked us to wait, and they wait as asked. Disposing it disposes the limits and the inner client.
/// </summary>
public sealed class RateLimitedChatClient(IChatClient inner, ChatRateLimits limits) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        using var lease = await limits.AcquireAsync(Cost(list, options), cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        using var lease = await limits.AcquireAsync(Cost(list, options), cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false)) yield return update;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) limits.Dispose();
        base.Dispose(disposing);
    }

    private static int Cost(IReadOnlyList<ChatMessage> messages, ChatOptions? options) =>
        ChatRateLimits.EstimateTokens(messages.Sum(m => (long)m.Text.Length), options?.MaxOutputTokens ?? 0);
}
