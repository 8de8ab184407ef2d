using Fpo.Grains.Loop;

namespace Fpo.Grains.Cluster;

/// <summary>
/// What the silo that starts a run has on its disk and the others need: the loaded <paramref name="Assets"/>, the text of
/// the judge config they were built from (a judge object cannot be shipped, its YAML can), and whether prompts are
/// encoded with &lt;|endoftext|&gt; first (the built-in task's policy) or as they are.
/// </summary>
public sealed record RunAssetSource(LoopAssets Assets, string JudgeYaml, bool PromptsStartWithEndOfText, string? EvaluationJudgeYaml = null);
