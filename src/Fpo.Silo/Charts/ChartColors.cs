namespace Fpo.Silo.Charts;

/// <summary>Distinct colours for series and methods (the Tableau 10 palette), reused in order.</summary>
internal static class ChartColors
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static string Of(int index) => Palette[index % Palette.Length];
}
