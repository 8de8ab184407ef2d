namespace Fpo.Alignment.Tasks;

/// <summary>
/// A prepared task, everything on disk: <paramref name="ModelDir"/> is a Hugging Face model folder (config.json,
/// model.safetensors, tokenizer.json), <paramref name="SaeDir"/> a SAELens SAE folder over resid_post of
/// <paramref name="SaeLayer"/>, the prompt files JSON Lines of {"id", "prompt"}, <paramref name="ConstitutionPath"/>
/// the rule-based training judge's YAML and <paramref name="EvaluationConstitutionPath"/> the evaluation judge's.
/// </summary>
public sealed record PreparedTask(string Folder, string ModelDir, string SaeDir, int SaeLayer, string TrainPromptsPath,
    string HeldOutPromptsPath, string ConstitutionPath, string EvaluationConstitutionPath);
