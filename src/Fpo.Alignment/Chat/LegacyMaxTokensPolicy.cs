using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;

namespace Fpo.Alignment.Chat;

/// <summary>
/// Renames the request's <c>max_completion_tokens</c> to <c>max_tokens</c> (see <see cref="MaxTokensField.MaxTokens"/>).
/// The OpenAI client has no switch for the field's name, and an older server does not fail politely without it: it
/// refuses the unknown field, or ignores it and generates until its own limit, so a judge's one-token answer would
/// come back as a page. Renaming rather than adding keeps the request valid for OpenAI's and Azure's APIs, which refuse
/// the two together. Runs once per call, before the request reaches the HTTP pipeline and its retries.
/// </summary>
internal sealed class LegacyMaxTokensPolicy : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Rename(message.Request);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Rename(message.Request);
        return ProcessNextAsync(message, pipeline, currentIndex);
    }

    private static void Rename(PipelineRequest request)
    {
        if (request.Content is not { } content) return;
        using var buffer = new MemoryStream();
        content.WriteTo(buffer);
        if (JsonNode.Parse(buffer.ToArray()) is not JsonObject body || !body.TryGetPropertyValue("max_completion_tokens", out var limit)) return;
        body.Remove("max_completion_tokens");
        if (!body.ContainsKey("max_tokens")) body["max_tokens"] = limit;
        request.Content = BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
    }
}
