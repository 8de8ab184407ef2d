namespace Fpo.Alignment.Preferences;

/// <summary>
/// Who labelled a pair and what it said in both orders (RLAIF position-debiasing): the probability that the chosen
/// response is better when shown as "Response 1", and when shown as "Response 2" (already mapped back). A stored pair
/// always has a label; abstentions never become pairs.
/// </summary>
public sealed record JudgeMetadata(string Name, string Model, double ChosenFirstProbability, double ChosenSecondProbability);
