namespace Fpo.Alignment.Explanations;

/// <summary>
/// Activations as the integers 0–10 the prompts show: round(10·a/max), with any positive activation at least 1 so a
/// weak firing is never shown as silence. Tokens are shown with tabs and line breaks escaped, one per line.
/// </summary>
public static class ActivationScale
{
    public static int Scale(float activation, float max) =>
        activation <= 0 || max <= 0 ? 0 : Math.Clamp((int)Math.Round(10.0 * activation / max, MidpointRounding.AwayFromZero), 1, 10);

    public static string Token(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
}
