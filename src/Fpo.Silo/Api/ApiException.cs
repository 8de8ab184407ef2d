using System.Text.Json.Serialization;

namespace Fpo.Silo.Api;

/// <summary>
/// A request the server refuses, carrying its HTTP status and the fields of OpenAI's error object:
/// <c>{"error": {"message", "type", "param", "code"}}</c>. Handlers throw it; <see cref="ApiErrors"/> writes it.
/// </summary>
public sealed class ApiException(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status => status;
    public string Type => type;
    public string? Param => param;
    public string? Code => code;

    /// <summary>400: a field is missing, of the wrong type or out of range (<paramref name="param"/> names it).</summary>
    public static ApiException Invalid(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public ErrorBody ToBody() => new(new ErrorDetail(Message, Type, Param, Code));
}

/// <summary>OpenAI's error envelope.</summary>
public sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error);

/// <summary>The fields of an OpenAI error; param and code are null when they do not apply (written as null, as OpenAI does).</summary>
public sealed record ErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
