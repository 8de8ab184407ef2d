namespace Fpo.Alignment.Chat;

/// <summary>What kind of failure ended a chat request (after its retries).</summary>
public enum ChatFailureKind
{
    /// <summary>No answer within an attempt's or the whole request's time.</summary>
    Timeout,

    /// <summary>An HTTP error status, or no response at all (connection refused or reset).</summary>
    CallFailed,

    /// <summary>A response that is not a chat completion (not JSON, the wrong shape): asking again will not fix it.</summary>
    Unreadable,
}
