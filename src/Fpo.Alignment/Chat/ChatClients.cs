using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using OpenAI;
using OpenAI.Chat;

namespace Fpo.Alignment.Chat;

/// <summary>
/// The <see cref="IChatClient"/> for a <see cref="ChatServer"/>: the official OpenAI client (or Azure's, which builds
/// on it) seen through Microsoft.Extensions.AI, over an HttpClient whose <see cref="ChatResilience"/> pipeline does
/// the retries and timeouts, under <see cref="ChatRateLimits"/>. The OpenAI client's own retries are off, so every
/// attempt passes through one place that counts it and honours <c>Retry-After</c> the same way against every server.
/// Disposing the client disposes its HttpClient and limiters.
/// </summary>
public static class ChatClients
{
    private const string NoKey = "no-key";  // the client refuses an empty key; keyless servers ignore it

    /// <summary><paramref name="onRetry"/> is called before each retry (not before a first attempt).</summary>
    public static IChatClient Create(ChatServer server, Action? onRetry = null)
    {
        server.Validate();
        var http = new HttpClient(new ResilienceHandler(ChatResilience.Pipeline(server, onRetry)) { InnerHandler = new SocketsHttpHandler() })
        {
            Timeout = Timeout.InfiniteTimeSpan,  // the pipeline's timeouts govern; HttpClient's would cut its retries short
        };
        var key = server.ApiKeyVariable is { } name ? Environment.GetEnvironmentVariable(name) : null;
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(key) ? NoKey : key);
        var transport = new HttpClientPipelineTransport(http);
        var chat = server.Provider switch
        {
            ChatProvider.Azure => new AzureOpenAIClient(server.Endpoint, credential, Transport(new AzureOpenAIClientOptions(), server, transport)).GetChatClient(server.Model),
            _ => new ChatClient(server.Model, credential, Transport(new OpenAIClientOptions { Endpoint = server.Endpoint }, server, transport)),
        };
        var limits = new ChatRateLimits(server.Concurrency, server.RequestsPerMinute, server.TokensPerMinute);
        return new RateLimitedChatClient(new OwningChatClient(chat.AsIChatClient(), transport, http), limits);
    }

    private static T Transport<T>(T options, ChatServer server, PipelineTransport transport) where T : ClientPipelineOptions
    {
        options.Transport = transport;
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        // The pipeline's total timeout fires first and says so; this only bounds reading a response body that stalls.
        options.NetworkTimeout = server.TotalTimeoutOrDefault + TimeSpan.FromSeconds(5);
        if (server.MaxTokensField == MaxTokensField.MaxTokens) options.AddPolicy(new LegacyMaxTokensPolicy(), PipelinePosition.PerCall);
        return options;
    }
}
