using System.Diagnostics;

using Xunit;

namespace Fpo.Testing.Fuzzing;

/// <summary>
/// Runs one fuzz case under a time and an allocation bound: a parser fed a hostile file must answer quickly and
/// must not allocate what the file merely claims. Hangs are left to the test's own timeout.
/// </summary>
public static class FuzzCase
{
    /// <summary>Runs <paramref name="run"/>; returns the exception it threw, or null. Fails the test when the case
    /// took <paramref name="maxMilliseconds"/> or more, or allocated <paramref name="maxAllocatedBytes"/> or more on
    /// this thread; <paramref name="describe"/> says which case (seed, mutation, input) to reproduce.</summary>
    public static Exception? Run(Action run, long maxMilliseconds, long maxAllocatedBytes, Func<string> describe)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Exception? thrown = null;
        try
        {
            run();
        }
        catch (Exception e)
        {
            thrown = e;
        }
        var elapsed = clock.ElapsedMilliseconds;
        var delta = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (elapsed >= maxMilliseconds) Assert.Fail($"{describe()} took {elapsed} ms");
        if (delta >= maxAllocatedBytes) Assert.Fail($"{describe()} allocated {delta:N0} bytes");
        return thrown;
    }

    /// <summary>Fails unless <paramref name="e"/> is one of the user-facing types and its message starts with the
    /// path of one of <paramref name="files"/> followed by ": ".</summary>
    public static void AssertUserFacing(Exception e, Type[] allowed, string[] files, Func<string> describe)
    {
        if (!allowed.Contains(e.GetType()))
            Assert.Fail($"{describe()} threw {e.GetType().Name}: {e}");
        if (!files.Any(f => e.Message.StartsWith(f + ": ", StringComparison.Ordinal)))
            Assert.Fail($"{describe()} threw {e.GetType().Name} whose message does not start with the file: {e.Message}");
    }
}
