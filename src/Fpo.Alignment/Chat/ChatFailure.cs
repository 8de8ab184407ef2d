using System.ClientModel;
using System.Net.Sockets;
using Polly.Timeout;

namespace Fpo.Alignment.Chat;

/// <summary>
/// Why a chat request gave no response, read from what the client threw: its kind and a one-line detail for logs.
/// The caller's own cancellation is no failure and is never read here: it propagates.
/// </summary>
public sealed record ChatFailure(ChatFailureKind Kind, string Detail)
{
    /// <summary>The failure behind <paramref name="e"/>; for any exception other than the caller's cancellation.</summary>
    public static ChatFailure Of(Exception e) => e switch
    {
        TimeoutRejectedException t => new(ChatFailureKind.Timeout, $"no answer within {t.Timeout.TotalSeconds:G4} s"),
        OperationCanceledException or TimeoutException => new(ChatFailureKind.Timeout, $"no answer in time ({FirstLine(e.Message)})"),
        ClientResultException { Status: > 0 } c => new(ChatFailureKind.CallFailed, $"HTTP {c.Status}: {FirstLine(c.Message)}"),
        ClientResultException or HttpRequestException or IOException or SocketException => new(ChatFailureKind.CallFailed, $"no response: {FirstLine(e.Message)}"),
        _ => new(ChatFailureKind.Unreadable, $"unreadable response ({e.GetType().Name}: {FirstLine(e.Message)})"),
    };

    /// <summary>True when <paramref name="e"/> is the caller cancelling, which must propagate rather than become a failure.</summary>
    public static bool IsCancellation(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
