using System.Text;
using Fpo.Sae.Statistics;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// The request for an explanation: each context as <c>token&lt;TAB&gt;activation</c> lines with activations scaled to
/// 0–10 (10 = the largest over all of the latent's contexts, <see cref="ActivationScale"/>), then the tokens that had a
/// non-zero activation, then the ask for one sentence.
/// </summary>
public static class ExplanationPrompt
{
    public static string Render(IReadOnlyList<ActivatingContext> contexts, float max, Func<int, string> token)
    {
        var s = new StringBuilder();
        s.Append("We study one neuron of a language model. Below are text excerpts, one token per line, each followed by a tab and ")
         .Append("the neuron's activation on that token, scaled to an integer from 0 (silent) to 10 (its strongest).\n");
        var active = new List<string>();
        for (var i = 0; i < contexts.Count; i++)
        {
            s.Append("\nExcerpt ").Append(i + 1).Append(":\n");
            var c = contexts[i];
            for (var t = 0; t < c.TokenIds.Length; t++)
            {
                var text = ActivationScale.Token(token(c.TokenIds[t]));
                var n = ActivationScale.Scale(c.Activations[t], max);
                s.Append(text).Append('\t').Append(n).Append('\n');
                if (n > 0 && !active.Contains(text)) active.Add(text);
            }
        }
        s.Append("\nTokens where the neuron was active: ").Append(string.Join(", ", active.Select(a => $"\"{a}\""))).Append('\n');
        s.Append("\nIn one sentence, what does this neuron respond to? Answer with the sentence only, starting with \"This neuron\".");
        return s.ToString();
    }
}
