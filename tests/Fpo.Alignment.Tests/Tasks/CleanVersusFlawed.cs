using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Tasks;

namespace Fpo.Alignment.Tests.Tasks;

/// <summary>A judge on N generated stories, each clean against its version with a flaw: how often it prefers the clean one beyond its margin.</summary>
internal static class CleanVersusFlawed
{
    public static (int Confident, double WorstP, string Worst) Compare(ConstitutionJudge judge, StoryGenerator generator, StoryFlaws flaw, int n)
    {
        var confident = 0;
        var worst = (P: 1.0, Text: "");
        for (var i = 0; i < n; i++)
        {
            var clean = generator.Sample(i, StoryFlaws.None);
            var flawed = generator.Sample(i, flaw);
            var p = judge.ProbabilityA(new JudgeRequest(clean.Prompt, clean.Continuation, flawed.Continuation));
            if (p > 0.5 + judge.Margin) confident++;
            if (p < worst.P) worst = (p, $"{clean.Prompt}\n  clean:{clean.Continuation}\n  {flaw}:{flawed.Continuation}");
        }
        return (confident, worst.P, worst.Text);
    }
}
