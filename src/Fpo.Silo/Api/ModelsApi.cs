namespace Fpo.Silo.Api;

/// <summary>GET /v1/models: the one model this server holds.</summary>
public static class ModelsApi
{
    private static readonly long Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/models", (ServerOptions options) => TypedResults.Json(
            new ModelList("list", [Card(options)]), OpenAiJson.Options));
        app.MapGet("/v1/models/{id}", (string id, ServerOptions options) => id == options.ModelName
            ? TypedResults.Json(Card(options), OpenAiJson.Options)
            : ApiErrors.Result(new ApiException(StatusCodes.Status404NotFound, $"unknown model '{id}': this server serves '{options.ModelName}'",
                "invalid_request_error", "model", "model_not_found")));
    }

    private static ModelCard Card(ServerOptions options) => new(options.ModelName, "model", Started, "fpo");
}
