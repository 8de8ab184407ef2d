namespace Fpo.Alignment.Chat;

/// <summary>Which client library speaks to a <see cref="ChatServer"/>.</summary>
public enum ChatProvider
{
    /// <summary>Any OpenAI-compatible chat-completions server by base URL: OpenAI, vLLM, Ollama's /v1, llama.cpp,
    /// <c>./fpo serve</c>, and Azure OpenAI's v1 endpoint (https://RESOURCE.openai.azure.com/openai/v1).</summary>
    OpenAi,

    /// <summary>Azure OpenAI's deployment endpoints through Azure.AI.OpenAI: the model is the deployment's name, the
    /// key goes in the <c>api-key</c> header.</summary>
    Azure,
}
