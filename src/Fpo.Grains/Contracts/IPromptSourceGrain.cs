namespace Fpo.Grains.Contracts;

/// <summary>Publishes training prompts, cycling the prompt list with fresh ids, while the pipeline has room (back-pressure on the pairs in flight).</summary>
public interface IPromptSourceGrain : IGrain
{
    /// <summary>Prompts published so far (this process and, after a resume, before it).</summary>
    long Published { get; }
}
