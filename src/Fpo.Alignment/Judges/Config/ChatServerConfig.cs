using Fpo.Alignment.Chat;

namespace Fpo.Alignment.Judges.Config;

/// <summary>
/// The chat server keys that a judge's (<c>kind: openai</c>) and the explainer's YAML share, read into a
/// <see cref="ChatServer"/>: <c>provider</c> (<c>openai</c>, the default, for any OpenAI-compatible server by its base
/// URL, Azure OpenAI's v1 endpoint included; <c>azure</c> for Azure OpenAI's deployment endpoints), the URL under the
/// caller's key (default http://127.0.0.1:8080/v1, <c>./fpo serve</c>; required for azure), <c>model</c> (the Azure
/// deployment for azure), <c>api_key_env</c>, <c>timeout_seconds</c>, <c>total_timeout_seconds</c>,
/// <c>max_retries</c>, <c>initial_backoff_seconds</c>, <c>max_backoff_seconds</c>, <c>max_tokens_field</c>
/// (<c>max_tokens</c> or <c>max_completion_tokens</c>), <c>concurrency</c>, <c>requests_per_minute</c>,
/// <c>tokens_per_minute</c>. A key written in the file (<c>api_key</c>) is refused: it belongs in the environment.
/// </summary>
public static class ChatServerConfig
{
    public const string DefaultUrl = "http://127.0.0.1:8080/v1";

    public static ChatServer Read(YamlSection y, string urlKey)
    {
        if (y.Has("api_key")) throw y.Error("api_key", "a key is never read from a file: put it in an environment variable and name that in api_key_env");
        var provider = y.OptionalString("provider") switch
        {
            null or "openai" => ChatProvider.OpenAi,
            "azure" => ChatProvider.Azure,
            var other => throw y.Error("provider", $"unknown provider '{other}' (expected openai or azure)"),
        };
        var url = y.OptionalString(urlKey) ?? (provider == ChatProvider.Azure ? throw y.Error(urlKey, "missing: azure needs the resource's endpoint, https://RESOURCE.openai.azure.com") : DefaultUrl);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw y.Error(urlKey, $"'{url}' is not an absolute URL");
        var field = y.OptionalString("max_tokens_field") switch
        {
            null or "max_tokens" => MaxTokensField.MaxTokens,
            "max_completion_tokens" => MaxTokensField.MaxCompletionTokens,
            var other => throw y.Error("max_tokens_field", $"unknown field '{other}' (expected max_tokens or max_completion_tokens)"),
        };
        var server = new ChatServer
        {
            Provider = provider,
            Endpoint = uri,
            Model = y.String("model"),
            ApiKeyVariable = y.OptionalString("api_key_env"),
            Timeout = y.Seconds("timeout_seconds", 60),
            TotalTimeout = y.Has("total_timeout_seconds") ? y.Seconds("total_timeout_seconds", 0) : null,
            MaxRetries = y.Int("max_retries", 4),
            InitialBackoff = y.Seconds("initial_backoff_seconds", 1),
            MaxBackoff = y.Seconds("max_backoff_seconds", 60),
            MaxTokensField = field,
            Concurrency = y.Int("concurrency", 8),
            RequestsPerMinute = y.Double("requests_per_minute", 0),
            TokensPerMinute = y.Double("tokens_per_minute", 0),
        };
        return y.Validated(() => server.Validate(urlKey));
    }
}
