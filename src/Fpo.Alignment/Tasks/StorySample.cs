namespace Fpo.Alignment.Tasks;

/// <summary>One generated document: a prompt that names its characters and the continuation a policy should write.</summary>
public sealed record StorySample(string Prompt, string Continuation, StoryFlaws Flaws, bool IsDialogue)
{
    public string Text => Prompt + Continuation;
}
