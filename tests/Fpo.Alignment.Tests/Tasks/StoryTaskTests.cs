using System.Diagnostics;
using System.Text.Json;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Tasks;
using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;
using Fpo.Sae.Formats;

namespace Fpo.Alignment.Tests.Tasks;

/// <summary>Prepares the tiny task once into a temporary data folder; the tests read and re-prepare it.</summary>
public sealed class TinyTaskFixture : IDisposable
{
    public TinyTaskFixture()
    {
        DataFolder = Path.Combine(Path.GetTempPath(), "fpo-story-task-" + Guid.NewGuid().ToString("N"));
        var watch = Stopwatch.StartNew();
        Task = StoryTask.Prepare(StoryTaskSettings.Tiny, DataFolder, Progress, CancellationToken.None);
        FirstPrepare = watch.Elapsed;
    }

    public string DataFolder { get; }
    public RecordingTaskProgress Progress { get; } = new();
    public PreparedTask Task { get; }
    public TimeSpan FirstPrepare { get; }

    public void Dispose() => Directory.Delete(DataFolder, recursive: true);
}

/// <summary>StoryTask.Prepare on the tiny settings: loadable outputs, disjoint prompts, and the stage cache.</summary>
public sealed class StoryTaskTests(TinyTaskFixture tiny) : IClassFixture<TinyTaskFixture>
{
    private static readonly string[] Stages = [StoryTask.CorpusStage, StoryTask.TokenizerStage, StoryTask.PretrainStage, StoryTask.SaeStage];

    [Fact]
    public void TheFirstPreparationRunsEveryStageQuickly()
    {
        Assert.True(tiny.FirstPrepare < TimeSpan.FromSeconds(60), $"tiny preparation took {tiny.FirstPrepare}");
        Assert.Equal(Stages, tiny.Progress.Stages.Where(s => !s.Reused).Select(s => s.Stage));
        Assert.All(tiny.Progress.Stages.Where(s => !s.Reused), s => Assert.Equal(s.Total, s.Done));
        Assert.Contains("loss", tiny.Progress.Stages.Single(s => s.Stage == StoryTask.PretrainStage).LastDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void TheModelAndTheSaeLoadAndFitEachOther()
    {
        var (config, model) = HuggingFaceCheckpoint.Load(tiny.Task.ModelDir);
        var tokenizer = HuggingFaceTokenizerFile.Load(Path.Combine(tiny.Task.ModelDir, "tokenizer.json"));
        var s = StoryTaskSettings.Tiny;
        Assert.Equal((s.Layers, s.Channels, s.Heads, s.Pretrain.SequenceLength), (config.Layers, config.Channels, config.Heads, config.MaxPositions));
        Assert.Equal(tokenizer.VocabSize, config.VocabSize);
        Assert.NotNull(tokenizer.EosTokenId);
        Assert.Equal(s.VocabSize, tokenizer.VocabSize);
        var sae = SaeFolder.Load(tiny.Task.SaeDir);
        SaeModelCheck.Check(sae.Config, model.Config, tiny.Task.SaeDir);
        Assert.Equal((tiny.Task.SaeLayer, s.SaeLatents, s.SaeK), (sae.Config.Layer, sae.Config.Latents, sae.Config.K));
        Assert.False(Directory.Exists(Path.Combine(tiny.Task.ModelDir, "checkpoints")));
    }

    [Fact]
    public void PromptFilesParseAndHeldOutPromptsAreUnseen()
    {
        var train = ReadPrompts(tiny.Task.TrainPromptsPath);
        var heldOut = ReadPrompts(tiny.Task.HeldOutPromptsPath);
        Assert.Equal(StoryTaskSettings.Tiny.TrainPrompts, train.Distinct().Count());
        Assert.Equal(StoryTaskSettings.Tiny.HeldOutPrompts, heldOut.Distinct().Count());
        Assert.Empty(heldOut.Intersect(train));
        var corpus = File.ReadAllText(Path.Combine(Path.GetDirectoryName(tiny.Task.TrainPromptsPath)!, StoryTask.CorpusFile));
        Assert.All(heldOut, p => Assert.DoesNotContain(p, corpus, StringComparison.Ordinal));
        Assert.All(heldOut, p => Assert.NotEmpty(EntityMentionScore.Entities(p)));
    }

    [Fact]
    public void PromptsAreEncodedAfterAnEndOfText()
    {
        var tokenizer = HuggingFaceTokenizerFile.Load(Path.Combine(tiny.Task.ModelDir, "tokenizer.json"));
        var prompt = ReadPrompts(tiny.Task.HeldOutPromptsPath)[0];
        var ids = StoryTask.EncodePrompt(tokenizer, prompt);
        Assert.Equal(tokenizer.EosTokenId, ids[0]);
        Assert.Equal(prompt, tokenizer.Decode(ids.AsSpan(1)));
    }

    [Fact]
    public void TheConstitutionLoads()
    {
        var judge = ConstitutionFile.Load(tiny.Task.ConstitutionPath);
        Assert.Equal("stories", judge.Name);
    }

    [Fact]
    public void ASecondCallReusesEveryStage()
    {
        var progress = new RecordingTaskProgress();
        var watch = Stopwatch.StartNew();
        var again = StoryTask.Prepare(StoryTaskSettings.Tiny, tiny.DataFolder, progress, CancellationToken.None);
        Assert.Equal(tiny.Task, again);
        Assert.True(progress.Stages.All(s => s.Reused), string.Join(", ", progress.Stages.Where(s => !s.Reused).Select(s => s.Stage)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"reusing took {watch.Elapsed}");
    }

    [Fact]
    public void AChangedSaeSettingRebuildsOnlyTheSae()
    {
        var progress = new RecordingTaskProgress();
        var changed = StoryTask.Prepare(StoryTaskSettings.Tiny with { SaeK = 4 }, tiny.DataFolder, progress, CancellationToken.None);
        Assert.Equal(tiny.Task.ModelDir, changed.ModelDir);
        Assert.NotEqual(tiny.Task.SaeDir, changed.SaeDir);
        Assert.Equal(4, SaeFolder.Load(changed.SaeDir).Config.K);
        Assert.Equal([StoryTask.SaeStage], progress.Stages.Where(s => !s.Reused).Select(s => s.Stage));
        Assert.Equal(StoryTaskSettings.Tiny.SaeK, SaeFolder.Load(tiny.Task.SaeDir).Config.K);
    }

    [Fact]
    public void ATornStageIsRedoneNeverRead()
    {
        // A copy of the finished data folder, torn as a crash leaves it: the SAE stage's marker never written, and a
        // half-written policy stage of other settings lying beside it.
        var data = Path.Combine(Path.GetTempPath(), "fpo-story-torn-" + Guid.NewGuid().ToString("N"));
        try
        {
            CopyFolder(tiny.DataFolder, data);
            var sae = Path.Combine(data, Path.GetFileName(tiny.Task.SaeDir));
            File.Delete(Path.Combine(sae, StageCache.Marker));
            File.WriteAllText(Path.Combine(sae, "sae_weights.safetensors"), "torn");
            var progress = new RecordingTaskProgress();
            var redone = StoryTask.Prepare(StoryTaskSettings.Tiny, data, progress, CancellationToken.None);
            Assert.Equal([StoryTask.SaeStage], progress.Stages.Where(s => !s.Reused).Select(s => s.Stage));
            Assert.Equal(sae, redone.SaeDir);
            Assert.Equal(StoryTaskSettings.Tiny.SaeLatents, SaeFolder.Load(redone.SaeDir).Config.Latents);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void ACancelledStageLeavesNothingComplete()
    {
        var data = Path.Combine(Path.GetTempPath(), "fpo-story-cancel-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var cancel = new CancellationTokenSource();
            var progress = new CancelOnStage(StoryTask.PretrainStage, cancel);
            Assert.ThrowsAny<OperationCanceledException>(() => StoryTask.Prepare(StoryTaskSettings.Tiny, data, progress, cancel.Token));
            Assert.DoesNotContain(Directory.GetDirectories(data, StoryTask.PretrainStage + "-*"), d => !d.EndsWith(".partial", StringComparison.Ordinal));
            var recording = new RecordingTaskProgress();
            var task = StoryTask.Prepare(StoryTaskSettings.Tiny, data, recording, CancellationToken.None);
            Assert.Equal([StoryTask.CorpusStage, StoryTask.TokenizerStage], recording.Stages.Where(s => s.Reused).Select(s => s.Stage));
            Assert.True(File.Exists(Path.Combine(task.ModelDir, HuggingFaceCheckpoint.WeightsFile)));
            Assert.Empty(Directory.GetDirectories(data, "*.partial"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void InvalidSettingsAreRejectedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => StoryTask.Prepare(StoryTaskSettings.Tiny with { SaeLayer = 5 }, tiny.DataFolder, NoTaskProgress.Instance, CancellationToken.None));
        Assert.Contains("SAE layer 5", e.Message, StringComparison.Ordinal);
    }

    private static List<string> ReadPrompts(string path) =>
        File.ReadLines(path).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("id").ValueKind);
            return doc.RootElement.GetProperty("prompt").GetString()!;
        }).ToList();

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    // Cancels on the second advance of one stage, so that stage has started writing when it stops.
    private sealed class CancelOnStage(string stage, CancellationTokenSource cancel) : ITaskProgress
    {
        private string? _current;
        private int _advances;

        public void BeginStage(string s, long total) => _current = s;

        public void Advance(long amount, string detail)
        {
            if (_current == stage && ++_advances == 2) cancel.Cancel();
        }

        public void EndStage(string s) { }

        public void StageReused(string s, string folder) { }
    }
}
