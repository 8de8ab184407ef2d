using Fpo.Models.Training;

namespace Fpo.Models.Tests.Training;

public sealed class MetricsLogTests
{
    [Fact]
    public void DropsTheStepsAfterTheCheckpointAndKeepsEverythingElse()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("fpo-metrics-").FullName, "metrics.jsonl");
        File.WriteAllLines(path, ["{\"step\":1,\"loss\":2}", "{\"step\":2}", "not json", "{\"note\":\"no step\"}", "{\"step\":3}", "{\"step\":4}"]);
        MetricsLog.DropStepsAfter(path, 2);
        Assert.Equal(["{\"step\":1,\"loss\":2}", "{\"step\":2}", "not json", "{\"note\":\"no step\"}"], File.ReadAllLines(path));
        MetricsLog.DropStepsAfter(path, 2);
        Assert.Equal(4, File.ReadAllLines(path).Length);
        MetricsLog.DropStepsAfter(Path.Combine(Path.GetDirectoryName(path)!, "absent.jsonl"), 0);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
