using System.Diagnostics;
using Xunit;

namespace Fpo.Testing.Fuzzing;

/// <summary>How many cases of each mutation kind loaded and how many were refused, to show the fuzzer reaches both.</summary>
public sealed class FuzzTally
{
    private readonly SortedDictionary<string, (int Loaded, int Refused)> _byKind = new(StringComparer.Ordinal);

    public int Loaded { get; private set; }

    public int Refused { get; private set; }

    public void Add(string kind, bool loaded)
    {
        var (l, r) = _byKind.GetValueOrDefault(kind);
        _byKind[kind] = loaded ? (l + 1, r) : (l, r + 1);
        if (loaded) Loaded++; else Refused++;
    }

    public IEnumerable<string> Lines() => _byKind.Select(k => $"  {k.Key,-14} loaded {k.Value.Loaded,5}  refused {k.Value.Refused,5}");

    /// <summary>Both outcomes are common overall and every kind was refused at least once: the mutations neither
    /// only break the file at once nor only touch what the parser ignores.</summary>
    public void AssertReachesBothOutcomes(int cases)
    {
        Assert.True(Loaded >= cases / 20, $"only {Loaded} of {cases} mutated files loaded: the fuzzer hardly reaches the load path");
        Assert.True(Refused >= cases / 5, $"only {Refused} of {cases} mutated files were refused: the mutations are too mild");
        foreach (var (kind, (_, refused)) in _byKind) Assert.True(refused > 0, $"no {kind} mutation was ever refused");
    }

    /// <summary>Runs the cases off the test thread, logs the counts per kind with wall and CPU time, and asserts that
    /// both outcomes are common (<see cref="AssertReachesBothOutcomes"/>).</summary>
    public static async Task RunAndReport(int cases, int seed, string loadedMeans, Func<FuzzTally> run)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var tally = await Task.Run(run, TestContext.Current.CancellationToken);
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"{cases} cases (seed {seed}): {tally.Loaded} {loadedMeans}, {tally.Refused} refused; " +
            $"{wall.ElapsedMilliseconds} ms wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms cpu");
        foreach (var line in tally.Lines()) log?.WriteLine(line);
        tally.AssertReachesBothOutcomes(cases);
    }
}
