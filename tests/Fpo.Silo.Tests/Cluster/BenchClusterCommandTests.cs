namespace Fpo.Silo.Tests.Cluster;

/// <summary>`fpo bench cluster`'s options (the benchmark itself starts PostgreSQL and silo processes for minutes; it is run by hand).</summary>
public sealed class BenchClusterCommandTests
{
    [Fact]
    public void Help_names_the_window_the_parts_and_that_there_is_no_pytorch_counterpart()
    {
        var (exit, output, _) = CliTests.Run("bench", "cluster", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--json", "--minutes", "--parts", "--rollouts", "--shapes", "--publishes", "--sync" }) Assert.Contains(option, output);
        Assert.Contains("no PyTorch counterpart", output);
    }

    [Theory]
    [InlineData("--parts", "speed", "--parts: unknown part 'speed'")]
    [InlineData("--shapes", "gpt5", "--shapes: unknown shape 'gpt5'")]
    [InlineData("--minutes", "0", "--minutes must be positive")]
    [InlineData("--rollouts", "0", "--rollouts must be counts of at least 1")]
    [InlineData("--sync", "s3-f32", "--sync: unknown variant 's3-f32'")]
    public void Bad_options_fail_before_anything_starts(string option, string value, string message)
    {
        var (exit, _, error) = CliTests.Run("bench", "cluster", option, value);
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
    }
}
