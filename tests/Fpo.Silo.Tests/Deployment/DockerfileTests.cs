using Fpo.Testing;

namespace Fpo.Silo.Tests.Deployment;

/// <summary>
/// No Docker engine runs here, so the image is never built in the suite. Instead the Dockerfile's build stage runs
/// infra/publish.sh, and so does this test: a publish that breaks fails the suite. The rest of the Dockerfile is
/// checked as text against what the Kubernetes manifests rely on.
/// </summary>
public sealed class DockerfileTests
{
    private const string PublishScript = "infra/publish.sh";
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "Dockerfile"));

    [Fact]
    public void The_build_stage_publishes_with_the_script_this_suite_runs()
    {
        var stages = Dockerfile.Split("\nFROM ", StringSplitOptions.None);
        var build = stages.Single(s => s.Contains(" AS build", StringComparison.Ordinal));
        var runs = build.Split('\n').Where(l => l.StartsWith("RUN ", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"RUN sh {PublishScript} /out"], runs);
        Assert.Contains("COPY --from=build /out ./", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_stage_runs_as_a_non_root_user_with_a_health_check_and_openblas()
    {
        var runtime = Dockerfile[Dockerfile.IndexOf("FROM mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal)..];
        Assert.Contains("libopenblas0-pthread", runtime, StringComparison.Ordinal);
        var user = runtime.Split('\n').Single(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        // Numeric, so Kubernetes' runAsNonRoot can verify it; the same uid as the manifests' runAsUser.
        Assert.Equal("10001", user);
        Assert.Contains("HEALTHCHECK", runtime, StringComparison.Ordinal);
        Assert.Contains("/healthz", runtime, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/fpo.dll\"]", runtime, StringComparison.Ordinal);
    }

    [Fact]
    public void The_docker_context_leaves_out_build_output_and_run_data()
    {
        var ignored = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore"));
        foreach (var entry in new[] { ".git", "**/bin/", "**/obj/", "runs/", "data/", "**/node_modules/" })
            Assert.Contains(entry, ignored);
    }

    [Fact]
    public void The_publish_script_publishes_a_silo_that_starts()
    {
        var output = Path.Combine(Path.GetTempPath(), "fpo-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            var publish = ToolProcess.Run("sh", [PublishScript, output], timeoutSeconds: 600);
            Assert.True(publish.ExitCode == 0, $"sh {PublishScript} failed ({publish.ExitCode}):\n{publish.Stdout}{publish.Stderr}");
            Assert.True(File.Exists(Path.Combine(output, "fpo.dll")), $"{output} has no fpo.dll");
            var help = ToolProcess.Run("dotnet", [Path.Combine(output, "fpo.dll"), "silo", "--help"], workingDirectory: output);
            Assert.True(help.ExitCode == 0, $"the published fpo silo --help failed ({help.ExitCode}):\n{help.Stdout}{help.Stderr}");
            Assert.Contains("--config", help.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
