using System.Text;
using Fpo.Alignment.Preferences;
using Fpo.Testing.Fuzzing;
using FsCheck;
using FsCheck.Fluent;

namespace Fpo.Alignment.Tests.Preferences;

/// <summary>
/// Damaged and random lines: the reader either returns pairs whose every field is in range, or throws a
/// PreferenceFormatException naming the file and the line; never another exception, never a silently dropped line.
/// </summary>
public class PreferenceJsonlFuzzTests
{
    private static readonly string Valid = PreferenceJsonl.ToLine(PreferenceJsonlTests.FullPair("fuzz"));

    [Fact]
    public void MutatedLinesAreReadCorrectlyOrRejectedWithTheirLineNumber()
    {
        var random = new Random(20260523);
        var tally = new Dictionary<string, int>();
        var bytes = Encoding.UTF8.GetBytes(Valid);
        for (var i = 0; i < 3000; i++)
        {
            var (damaged, kind) = ByteMutator.Mutate(random, bytes);
            var line = Encoding.UTF8.GetString(damaged).Replace('\n', ' ').Replace('\r', ' ');
            var outcome = Check("""{"prompt":"a","chosen":"b","rejected":"c"}""" + "\n" + line + "\n", expectedLine: 2, () => $"case {i} ({kind}): {line}");
            tally[outcome] = tally.GetValueOrDefault(outcome) + 1;
        }
        Console.WriteLine(string.Join(", ", tally.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.True(tally.GetValueOrDefault("rejected") > 1000, "most damage must be caught");
    }

    [Fact]
    public void RandomFieldValuesAreValidatedByProperty()
    {
        var values = Gen.Elements("1", "0", "0.5", "-1", "1.0000001", "1e309", "\"NaN\"", "NaN", "null", "true", "\"7\"", "[]", "[1,2]",
            "[-1]", "[2147483648]", "[0.5]", "{}", "\"\"", "-0.0", "4294967296", "[3,1]");
        var fields = Gen.Elements("label", "policy_version", "prompt_tokens", "chosen_tokens", "rejected_tokens", "prompt", "id", "judge", "reference");
        Prop.ForAll(Arb.From(Gen.Zip(fields, values)), fv =>
        {
            var (field, value) = fv;
            var tokens = field.EndsWith("_tokens", StringComparison.Ordinal)
                ? string.Join("", new[] { "prompt_tokens", "chosen_tokens", "rejected_tokens" }.Where(f => f != field).Select(f => $",\"{f}\":[1]"))
                : "";
            var line = field == "prompt"
                ? $"{{\"prompt\":{value},\"chosen\":\"c\",\"rejected\":\"r\"}}"
                : $"{{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"{field}\":{value}{tokens}}}";
            Check(line, expectedLine: 1, () => line);
        }).QuickCheckThrowOnFailure();
    }

    private static string Check(string text, int expectedLine, Func<string> describe)
    {
        List<PreferencePair>? pairs = null;
        var thrown = FuzzCase.Run(() => pairs = PreferenceJsonl.Read(new StringReader(text), "fuzz.jsonl"), 2000, 64 << 20, describe);
        switch (thrown)
        {
            case null:
                Assert.Equal(expectedLine, pairs!.Count);
                foreach (var pair in pairs) AssertInRange(pair, describe);
                return "read";
            case PreferenceFormatException e:
                Assert.True(e.Line == expectedLine, $"{describe()}: error on line {e.Line}: {e.Message}");
                Assert.StartsWith($"fuzz.jsonl:{expectedLine}: ", e.Message, StringComparison.Ordinal);
                return "rejected";
            default:
                Assert.Fail($"{describe()}: {thrown.GetType().Name}: {thrown.Message}");
                return "";
        }
    }

    private static void AssertInRange(PreferencePair pair, Func<string> describe)
    {
        Assert.True(pair.Label is >= 0 and <= 1, $"{describe()}: label {pair.Label}");
        Assert.True(pair.PolicyVersion is null or >= 0, describe());
        foreach (var tokens in new[] { pair.PromptTokens, pair.ChosenTokens, pair.RejectedTokens })
            Assert.True(tokens is null || tokens.All(t => t >= 0), $"{describe()}: negative token id");
        Assert.Equal(pair.PromptTokens is null, pair.ChosenTokens is null);
        Assert.Equal(pair.PromptTokens is null, pair.RejectedTokens is null);
        if (pair.Reference is { } r)
            Assert.True(double.IsFinite(r.ChosenLogProbSum) && r.ChosenLogProbSum <= 0 && double.IsFinite(r.RejectedLogProbMean), describe());
        Assert.Equal(PreferenceJsonl.ToLine(pair), PreferenceJsonl.ToLine(PreferenceJsonl.Read(new StringReader(PreferenceJsonl.ToLine(pair)), "again.jsonl")[0]));
    }
}
