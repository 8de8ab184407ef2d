using Fpo.Alignment.Chat;
using Microsoft.Extensions.AI;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// Explains a latent and scores the explanation by simulation (the neuron-explainer method) through a chat model
/// (any <see cref="IChatClient"/>; <see cref="ChatClients.Create"/> builds one for an OpenAI-compatible server) at
/// temperature 0: one request writes the explanation from the top contexts (<see cref="ExplanationPrompt"/>), then one
/// request per held-out context predicts its activations from the explanation alone (<see cref="SimulationPrompt"/>);
/// the score is Pearson's r between predicted and true activations over all tokens of the contexts whose simulation
/// could be read. Retries and timeouts belong to the client; a request that still fails is a failed simulation.
/// </summary>
public sealed class FeatureExplainer
{
    private readonly IChatClient _client;
    private readonly ExplainerOptions _options;
    private readonly TimeProvider _time;
    private readonly string _model;

    /// <summary>An explainer over <paramref name="client"/>, which the caller keeps and disposes; the explanation
    /// records the model that the client's metadata names.</summary>
    public FeatureExplainer(IChatClient client, ExplainerOptions options, TimeProvider? time = null)
    {
        _options = options.Validate();
        (_client, _time) = (client, time ?? TimeProvider.System);
        _model = client.GetService<ChatClientMetadata>()?.DefaultModelId ?? "";
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
        return new FeatureExplanation(contexts.Latent, explanation, score, score is null ? noScore : null, _model, _time.GetUtcNow(),
            contexts.HeldOut.Count, failures.Count);
    }

    private (double? Score, string Reason) Score(int count, List<string> failures, List<double> simulated, List<double> actual)
    {
        if (count == 0) return (null, "no held-out contexts to simulate (the latent fired in too few windows)");
        if (failures.Count > _options.MaxFailedFraction * count)
            return (null, $"{failures.Count} of {count} simulations failed (more than {_options.MaxFailedFraction:P0}); first: {failures[0]}");
        return ActivationCorrelation.Pearson(simulated.ToArray(), actual.ToArray());
    }

    // The completion's text, or null with why there is none (after the client's retries).
    private async Task<(string? Text, string Failure)> CompleteAsync(string prompt, int maxTokens, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetResponseAsync(prompt, new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens }, cancellationToken).ConfigureAwait(false);
            return (response.Text, "");
        }
        catch (Exception e) when (!ChatFailure.IsCancellation(e, cancellationToken))
        {
            return (null, ChatFailure.Of(e).Detail);
        }
    }
}
