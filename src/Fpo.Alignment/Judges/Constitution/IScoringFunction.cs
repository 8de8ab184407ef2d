namespace Fpo.Alignment.Judges.Constitution;

/// <summary>One measurable property of a response in its context, as a score where higher is better (each function
/// documents its range, at most [−1, 1], so weights compare across principles).</summary>
public interface IScoringFunction
{
    double Score(string context, string response);
}
