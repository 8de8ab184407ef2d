using System.Text.Json;
using Fpo.Alignment.Judges.Config;
using Fpo.Alignment.Preferences;
using Fpo.Alignment.Tasks;
using Fpo.Grains.Stores;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;
using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Formats;

namespace Fpo.Grains.Cluster;

/// <summary>
/// How a run's assets reach every silo. Pods share no disk, only the stores, so the silo that starts a run (the
/// elected trainer) publishes snapshot 0 with the initial policy's weights and, beside them, everything else the run
/// needs: the model config, the tokenizer, the SAE, the training and held-out prompts, the judge configs (training and
/// evaluation) and how prompts
/// are encoded (files named run-*). Every other silo waits for snapshot 0 and loads its assets from it — the same bytes,
/// verified by the snapshot's SHA-256 — so a silo needs nothing on disk but its config. Later snapshots hold the
/// weights alone. A judge config is shipped as one file: a judge that reads other files by path (kind: model) needs
/// those paths on the judge silos too.
/// </summary>
public static class RunAssets
{
    public const string ConfigFile = "run-config.json", TokenizerFile = "run-tokenizer.json", SaeConfigFile = "run-sae-cfg.json",
        SaeWeightsFile = "run-sae-weights.safetensors", TrainPromptsFile = "run-train-prompts.json", HeldOutPromptsFile = "run-heldout-prompts.json",
        JudgeFile = "run-judge.yaml", EvaluationJudgeFile = "run-eval-judge.yaml", ManifestFile = "run-assets.json";

    private const string EndOfTextFirst = "end_of_text_first", Plain = "plain";

    /// <summary>The files of snapshot 0: the initial policy's weights and the run's assets.</summary>
    public static Dictionary<string, byte[]> Files(RunAssetSource source)
    {
        var assets = source.Assets;
        var files = PolicySnapshot.Files(assets.InitialPolicy);
        var temp = Directory.CreateTempSubdirectory("fpo-run-assets-").FullName;
        try
        {
            HuggingFaceTokenizerFile.Save(assets.Tokenizer, temp);
            files[TokenizerFile] = File.ReadAllBytes(Path.Combine(temp, "tokenizer.json"));
            if (assets.Sae is not null)
            {
                var sae = Path.Combine(temp, "sae");
                SaeFolder.Save(sae, assets.Sae);
                files[SaeConfigFile] = File.ReadAllBytes(Path.Combine(sae, SaeFolder.ConfigFile));
                files[SaeWeightsFile] = File.ReadAllBytes(Path.Combine(sae, SaeFolder.WeightsFile));
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
        files[ConfigFile] = System.Text.Encoding.UTF8.GetBytes(HuggingFaceConfig.Write(assets.InitialPolicy.Config));
        files[TrainPromptsFile] = JsonSerializer.SerializeToUtf8Bytes(assets.TrainPrompts);
        files[HeldOutPromptsFile] = JsonSerializer.SerializeToUtf8Bytes(assets.HeldOutPrompts);
        files[JudgeFile] = System.Text.Encoding.UTF8.GetBytes(source.JudgeYaml);
        if (source.EvaluationJudgeYaml is { } evaluation) files[EvaluationJudgeFile] = System.Text.Encoding.UTF8.GetBytes(evaluation);
        files[ManifestFile] = JsonSerializer.SerializeToUtf8Bytes(new Manifest
        {
            PromptEncoding = source.PromptsStartWithEndOfText ? EndOfTextFirst : Plain,
            SaeId = assets.Sae is null ? null : assets.SaeDir is null ? "sae" : ReferenceData.SaeIdOf(assets.SaeDir),
        });
        return files;
    }

    /// <summary>Whether <paramref name="snapshot"/> carries run assets (a snapshot 0 published by a trainer silo).</summary>
    public static bool Has(SnapshotContent snapshot) => snapshot.Files.ContainsKey(ManifestFile);

    /// <summary>
    /// The assets of snapshot 0 <paramref name="initial"/>; the files that loaders read from disk (tokenizer, SAE, judge)
    /// are written once under <paramref name="folder"/>, in a subfolder named by the snapshot's hash. Problems throw
    /// <see cref="InvalidDataException"/> naming the snapshot and the file.
    /// </summary>
    public static LoopAssets Load(SnapshotContent initial, string folder)
    {
        if (!Has(initial))
            throw new InvalidDataException($"snapshot {initial.Info.Version} holds no run assets ({ManifestFile}); a cluster run must be started by a trainer silo, which publishes them with snapshot 0");
        var manifest = Read<Manifest>(initial, ManifestFile);
        var dir = Materialize(initial, folder, manifest);
        var config = Parse(initial, ConfigFile, () => HuggingFaceConfig.Read(Path.Combine(dir, ConfigFile)));
        var policy = new TransformerModel(config);
        PolicySnapshot.Load(initial, policy);
        var tokenizer = Parse(initial, TokenizerFile, () => HuggingFaceTokenizerFile.Load(Path.Combine(dir, TokenizerFile)));
        string? saeDir = manifest.SaeId is null ? null : Path.Combine(dir, "sae", manifest.SaeId);
        SaeWeights? sae = saeDir is null ? null : Parse(initial, SaeWeightsFile, () =>
        {
            var weights = SaeFolder.Load(saeDir);
            SaeModelCheck.Check(weights.Config, config, $"snapshot {initial.Info.Version}'s SAE");
            return weights;
        });
        var judge = Parse(initial, JudgeFile, () => JudgeConfig.Load(Path.Combine(dir, JudgeFile)));
        var evaluationJudge = initial.Files.ContainsKey(EvaluationJudgeFile)
            ? Parse(initial, EvaluationJudgeFile, () => JudgeConfig.Load(Path.Combine(dir, EvaluationJudgeFile)))
            : null;
        var train = Read<List<string>>(initial, TrainPromptsFile);
        var heldOut = Read<List<string>>(initial, HeldOutPromptsFile);
        Func<string, int[]>? encode = manifest.PromptEncoding switch
        {
            EndOfTextFirst => text => StoryTask.EncodePrompt(tokenizer, text),
            Plain => null,
            var other => throw new InvalidDataException($"snapshot {initial.Info.Version}: {ManifestFile}: unknown prompt_encoding '{other}' (expected {EndOfTextFirst} or {Plain})"),
        };
        return new LoopAssets(policy, tokenizer, sae, saeDir, judge, train, heldOut, encode, evaluationJudge);
    }

    // Writes the files loaders read from disk into folder/assets-<hash> through a temporary folder, so a silo that dies
    // half-way leaves nothing a restart would trust; a folder already there (a restart) is reused.
    private static string Materialize(SnapshotContent initial, string folder, Manifest manifest)
    {
        var dir = Path.Combine(folder, "assets-" + initial.Info.Sha256[..16]);
        if (Directory.Exists(dir)) return dir;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".tmp-assets-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        foreach (var name in new[] { ConfigFile, TokenizerFile, JudgeFile, EvaluationJudgeFile }.Where(initial.Files.ContainsKey))
            File.WriteAllBytes(Path.Combine(temp, name), Bytes(initial, name));
        if (manifest.SaeId is { } saeId)
        {
            var sae = Path.Combine(temp, "sae", saeId);
            Directory.CreateDirectory(sae);
            File.WriteAllBytes(Path.Combine(sae, SaeFolder.ConfigFile), Bytes(initial, SaeConfigFile));
            File.WriteAllBytes(Path.Combine(sae, SaeFolder.WeightsFile), Bytes(initial, SaeWeightsFile));
        }
        try
        {
            Directory.Move(temp, dir);
        }
        catch (IOException) when (Directory.Exists(dir))
        {
            // Another silo sharing this folder got there first with the same bytes.
            Directory.Delete(temp, recursive: true);
        }
        return dir;
    }

    private static byte[] Bytes(SnapshotContent snapshot, string name) => snapshot.Files.TryGetValue(name, out var bytes)
        ? bytes
        : throw new InvalidDataException($"snapshot {snapshot.Info.Version}: no {name} among its run assets ({string.Join(", ", snapshot.Files.Keys.Order(StringComparer.Ordinal))})");

    private static T Read<T>(SnapshotContent snapshot, string name) =>
        Parse(snapshot, name, () => JsonSerializer.Deserialize<T>(Bytes(snapshot, name)) ?? throw new InvalidDataException("null"));

    private static T Parse<T>(SnapshotContent snapshot, string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or FormatException or JsonException or ArgumentException or SafetensorsFormatException or TokenizerFormatException)
        {
            throw new InvalidDataException($"snapshot {snapshot.Info.Version}: {name}: {e.Message}", e);
        }
    }

    private sealed record Manifest
    {
        [System.Text.Json.Serialization.JsonPropertyName("prompt_encoding")]
        public string PromptEncoding { get; init; } = Plain;

        [System.Text.Json.Serialization.JsonPropertyName("sae_id")]
        public string? SaeId { get; init; }
    }
}
