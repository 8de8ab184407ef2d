using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace Fpo.Alignment.Judges;

/// <summary>
/// The official OpenAI chat client as every caller of an OpenAI-compatible server here sets it up: the key given or
/// read from an environment variable (a placeholder when there is none), and the client's own retries off so our
/// retry loop counts every attempt and honours <c>Retry-After</c> the same way against every server.
/// </summary>
internal static class ChatClients
{
    private const string NoKey = "no-key";  // the client refuses an empty key; keyless servers ignore it

    public static ChatClient Create(Uri endpoint, string model, string? apiKey, string? apiKeyVariable, TimeSpan timeout)
    {
        var key = apiKey ?? (apiKeyVariable is { } name ? Environment.GetEnvironmentVariable(name) : null);
        return new ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(key) ? NoKey : key), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Our own per-attempt timeout cancels first; this only keeps the transport from waiting for ever.
            NetworkTimeout = timeout + TimeSpan.FromSeconds(5),
        });
    }
}
