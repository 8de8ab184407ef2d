using System.Diagnostics;
using Fpo.Models.Optimization;
using Fpo.Models.Training;
using Fpo.Models.Transformer;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Next-token pre-training on <see cref="DocumentBatches"/> with <see cref="PretrainRun"/>'s recipe (AdamW, warmup +
/// cosine, global-norm clipping, validation loss every EvalEvery steps) but no checkpoints: the task's cache redoes an
/// interrupted stage rather than resuming it.
/// </summary>
internal static class DocumentPretraining
{
    public static void Run(TransformerModel model, DocumentBatches documents, PretrainSettings settings, IProgress<PretrainProgress> progress, CancellationToken ct)
    {
        var B = settings.BatchSize;
        var T = documents.SequenceLength;
        var tokens = new int[B * T];   // (B,T)
        var targets = new int[B * T];  // (B,T)
        var optimizer = AdamW.For(model, new AdamWSettings { WeightDecay = settings.WeightDecay });
        var schedule = LearningRateSchedule.WarmupCosine(settings.LearningRate, settings.WarmupSteps, settings.Steps, settings.LearningRate * settings.MinLearningRateRatio);
        var watch = new Stopwatch();
        for (var step = 0; step < settings.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            watch.Restart();
            documents.TrainBatch(settings.Seed, step, tokens, targets, B);
            var loss = model.ForwardLoss(tokens, targets, B, T);
            model.ZeroGrad();
            model.Backward();
            var norm = GradientClipping.GlobalNorm(model.Gradients);
            var lr = schedule.At(step);
            optimizer.Step(lr, GradientClipping.ClipScale(norm, settings.GradientClip));
            var tokensPerSecond = B * T / watch.Elapsed.TotalSeconds;
            var done = step + 1;
            float? validation = done % settings.EvalEvery == 0 || done == settings.Steps ? ValidationLoss(model, documents, settings, tokens, targets) : null;
            progress.Report(new PretrainProgress(done, settings.Steps, loss, validation, lr, norm, tokensPerSecond, null));
        }
    }

    private static float ValidationLoss(TransformerModel model, DocumentBatches documents, PretrainSettings settings, int[] tokens, int[] targets)
    {
        double sum = 0;
        for (var i = 0; i < settings.EvalBatches; i++)
        {
            documents.ValidationBatch(i, settings.EvalBatches, tokens, targets, settings.BatchSize);
            sum += model.ForwardLoss(tokens, targets, settings.BatchSize, documents.SequenceLength);
        }
        return (float)(sum / settings.EvalBatches);
    }
}
