using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Fpo.Alignment.Chat;

/// <summary>
/// The HTTP resilience pipeline under a chat client, outermost first: the whole request's timeout, then retries of
/// 408/429/5xx, attempt timeouts and connection errors (exponential backoff with jitter, or the server's
/// <c>Retry-After</c> when it sends one, which is waited in full even beyond the backoff's cap), then each attempt's
/// timeout. A request that runs out of retries ends with the last response or exception, which the caller turns into
/// its failure.
/// </summary>
internal static class ChatResilience
{
    public static ResiliencePipeline<HttpResponseMessage> Pipeline(ChatServer server, Action? onRetry)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = server.TotalTimeoutOrDefault });
        if (server.MaxRetries > 0)  // Polly refuses zero retries
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = server.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = server.InitialBackoff,
                MaxDelay = server.MaxBackoff,
                ShouldRetryAfterHeader = true,
                OnRetry = _ =>
                {
                    onRetry?.Invoke();
                    return ValueTask.CompletedTask;
                },
            });
        }
        return builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = server.Timeout }).Build();
    }
}
