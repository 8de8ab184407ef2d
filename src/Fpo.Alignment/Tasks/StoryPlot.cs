namespace Fpo.Alignment.Tasks;

/// <summary>
/// One plot: prompt openings, then middle slots (one alternative drawn per slot) and the two ways it can end. Templates
/// hold {A} and {B} (the characters), {P} (a place), {X} (an object) and {O} (an opener). A dialogue's units are turns
/// ("{A}: ...", written as quoted speech) on lines of their own; a story's units are sentences.
/// </summary>
internal sealed record StoryPlot(string Name, bool IsDialogue, string[] Prompts, string[][] Middle, string[] KindEndings, string[] HarshEndings);
