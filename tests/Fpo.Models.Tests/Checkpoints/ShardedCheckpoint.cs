using System.Text.Json.Nodes;
using Fpo.Models.Checkpoints;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>Splits a saved model.safetensors into two shards, as large Hugging Face checkpoints come.</summary>
internal static class ShardedCheckpoint
{
    /// <summary>Writes model-0000{1,2}-of-00002.safetensors (tensors alternating by sorted name), deletes
    /// model.safetensors and returns the weight_map for an index; the caller writes the index.</summary>
    public static JsonObject Split(string dir)
    {
        var weights = Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile);
        var map = new JsonObject();
        using (var file = SafetensorsFile.Open(weights))
        {
            var names = file.Tensors.Keys.Order().ToArray();
            for (var shard = 0; shard < 2; shard++)
            {
                var shardName = $"model-0000{shard + 1}-of-00002.safetensors";
                var part = names.Where((_, i) => i % 2 == shard).ToArray();
                SafetensorsWriter.Write(Path.Combine(dir, shardName),
                    part.Select(n => SafetensorsTensor.F32(n, file.Tensors[n].Shape, file.ReadFloat32(n))));
                foreach (var n in part) map[n] = shardName;
            }
        }
        File.Delete(weights);
        return map;
    }
}
