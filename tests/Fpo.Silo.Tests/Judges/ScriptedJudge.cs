using Fpo.Alignment.Chat;
using Fpo.Alignment.Judges;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// An <see cref="OpenAiJudge"/> connected to a <see cref="ScriptedServer"/> the way a judge's YAML connects it, with
/// quick backoff, and the pair and prompt the scripts answer.
/// </summary>
internal static class ScriptedJudge
{
    public static readonly RlaifPrompt Short = new() { Preamble = "Which is better?" };
    public static readonly JudgeRequest Pair = new("say hi", "hello there", "go away");

    /// <summary>"hello there" shown first: P(1) = 0.9; shown second: P(1) = 0.2. So A first 0.9, A second 0.8, label 0.85.</summary>
    public static string ByOrder(ScriptedCall call) =>
        call.Prompt.Contains("Response 1: hello there", StringComparison.Ordinal) ? ScriptedServer.Completion("1", 0.9) : ScriptedServer.Completion("2", 0.2);

    public static ChatServer Server(ScriptedServer server) => new()
    {
        Endpoint = server.Endpoint, Model = "tiny",
        InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(50), Timeout = TimeSpan.FromSeconds(10), MaxRetries = 3,
    };

    public static OpenAiJudge Connect(ScriptedServer server, Func<ChatServer, ChatServer>? changeServer = null, Func<OpenAiJudgeOptions, OpenAiJudgeOptions>? changeJudge = null)
    {
        var options = new OpenAiJudgeOptions { Prompt = Short, Margin = 0.05 };
        return OpenAiJudge.Connect(changeServer?.Invoke(Server(server)) ?? Server(server), changeJudge?.Invoke(options) ?? options);
    }
}
