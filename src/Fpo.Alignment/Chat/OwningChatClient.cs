using Microsoft.Extensions.AI;

namespace Fpo.Alignment.Chat;

/// <summary>A chat client that disposes what its inner client was built on (the HTTP client under the OpenAI client,
/// which does not dispose a transport it was given) after the inner client.</summary>
internal sealed class OwningChatClient(IChatClient inner, params IDisposable[] owned) : DelegatingChatClient(inner)
{
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var resource in owned) resource.Dispose();
    }
}
