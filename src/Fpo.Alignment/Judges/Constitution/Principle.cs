namespace Fpo.Alignment.Judges.Constitution;

/// <summary>A named, weighted rule of a constitution; its contribution to a response's score is Weight · Function.</summary>
public sealed record Principle(string Name, double Weight, IScoringFunction Function);
