using System.ClientModel;
using Fpo.Alignment.Judges;
using OpenAI.Chat;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// Explains a latent and scores the explanation by simulation (the neuron-explainer method) through an
/// OpenAI-compatible chat server with the official OpenAI client at temperature 0: one request writes the explanation
/// from the top contexts (<see cref="ExplanationPrompt"/>), then one request per held-out context predicts its
/// activations from the explanation alone (<see cref="SimulationPrompt"/>); the score is Pearson's r between predicted
/// and true activations over all tokens of the contexts whose simulation could be read. Retries on 408/429/5xx,
/// timeouts and connection errors use the judges' <see cref="RetryDelay"/> (honouring <c>Retry-After</c>).
/// </summary>
public sealed class FeatureExplainer
{
    private readonly ExplainerOptions _options;
    private readonly ChatClient _client;
    private readonly TimeProvider _time;

    public FeatureExplainer(ExplainerOptions options, TimeProvider? time = null)
    {
        _options = options.Validate();
        _time = time ?? TimeProvider.System;
        _client = ChatClients.Create(options.BaseUrl, options.Model, options.ApiKey, options.ApiKeyVariable, options.Timeout);
    }

    /// <summary>Throws <see cref="ExplainerException"/> when the latent has no contexts or no explanation comes back.</summary>
    public async Task<FeatureExplanation> ExplainAsync(FeatureContexts contexts, Func<int, string> token, CancellationToken cancellationToken)
    {
        if (contexts.Explain.Count == 0)
            throw new ExplainerException($"feature {contexts.Latent} never fired in {contexts.TokensScanned} tokens: nothing to explain");
        var max = contexts.MaxActivation;
        var (answer, failure) = await CompleteAsync(ExplanationPrompt.Render(contexts.Explain, max, token), _options.ExplanationMaxTokens, cancellationToken).ConfigureAwait(false);
        if (answer is null) throw new ExplainerException($"feature {contexts.Latent}: the explanation request failed: {failure}");
        var explanation = answer.Trim().Split('\n', 2)[0].Trim();
        if (explanation.Length == 0) throw new ExplainerException($"feature {contexts.Latent}: the server returned an empty explanation");

        var simulated = new List<double>();
        var actual = new List<double>();
        var failures = new List<string>();
        foreach (var context in contexts.HeldOut)
        {
            var tokens = context.TokenIds.Select(token).ToList();
            var (text, error) = await CompleteAsync(SimulationPrompt.Render(explanation, tokens), _options.SimulationMaxTokens, cancellationToken).ConfigureAwait(false);
            var (values, reason) = text is null ? (null, error) : SimulationPrompt.Parse(text, tokens.Count);
            if (values is null)
            {
                failures.Add(reason);
                continue;
            }
            simulated.AddRange(values.Select(v => (double)v));
            actual.AddRange(context.Activations.Select(a => (double)a));
        }
        var (score, noScore) = Score(contexts.HeldOut.Count, failures, simulated, actual);
        return new FeatureExplanation(contexts.Latent, explanation, score, score is null ? noScore : null, _options.Model, _time.GetUtcNow(),
            contexts.HeldOut.Count, failures.Count);
    }

    private (double? Score, string Reason) Score(int count, List<string> failures, List<double> simulated, List<double> actual)
    {
        if (count == 0) return (null, "no held-out contexts to simulate (the latent fired in too few windows)");
        if (failures.Count > _options.MaxFailedFraction * count)
            return (null, $"{failures.Count} of {count} simulations failed (more than {_options.MaxFailedFraction:P0}); first: {failures[0]}");
        return ActivationCorrelation.Pearson(simulated.ToArray(), actual.ToArray());
    }

    // The completion's text, or null with why there is none after the retries.
    private async Task<(string? Text, string Failure)> CompleteAsync(string prompt, int maxTokens, CancellationToken cancellationToken)
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = maxTokens };
        for (var attempt = 0; ; attempt++)
        {
            bool retryable;
            TimeSpan? retryAfter = null;
            string failure;
            using (var timer = new CancellationTokenSource(_options.Timeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token))
            {
                try
                {
                    var result = await _client.CompleteChatAsync([new UserChatMessage(prompt)], options, linked.Token).ConfigureAwait(false);
                    return (string.Concat((result.Value.Content ?? []).Select(part => part.Text)), "");
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    (retryable, failure) = (true, $"no answer within {_options.Timeout.TotalSeconds:G4} s");
                }
                catch (ClientResultException e) when (e.GetRawResponse() is { } response)
                {
                    (retryable, failure) = (e.Status is 408 or 429 or >= 500, $"HTTP {e.Status}: {FirstLine(e.Message)}");
                    retryAfter = RetryDelay.RetryAfter(response, _time.GetUtcNow());
                }
                catch (Exception e) when (e is ClientResultException or HttpRequestException or IOException)
                {
                    (retryable, failure) = (true, $"no response: {FirstLine(e.Message)}");
                }
            }
            if (!retryable || attempt >= _options.MaxRetries) return (null, $"{failure} (after {attempt + 1} attempt{(attempt == 0 ? "" : "s")})");
            var delay = RetryDelay.Next(attempt, _options.InitialBackoff, _options.MaxBackoff, retryAfter, Random.Shared);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
