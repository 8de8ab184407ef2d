using Microsoft.Extensions.AI;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>
/// A chat client of no particular provider: <c>answer</c> gives each request's response (or throws), and every
/// request's prompt and options are kept. Its metadata names <see cref="ModelName"/>.
/// </summary>
internal sealed class FakeChatClient(Func<string, CancellationToken, Task<ChatResponse>> answer) : IChatClient
{
    public const string ModelName = "fake-model";

    private readonly List<(string Prompt, ChatOptions? Options)> _requests = [];

    public IReadOnlyList<(string Prompt, ChatOptions? Options)> Requests
    {
        get
        {
            lock (_requests) return [.. _requests];
        }
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = string.Concat(messages.Select(m => m.Text));
        lock (_requests) _requests.Add((prompt, options));
        return answer(prompt, cancellationToken);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the judge does not stream");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", defaultModelId: ModelName) : null;

    public void Dispose()
    {
    }
}
