using System.Security.Cryptography;
using System.Text;

namespace Fpo.Silo.Api;

/// <summary>
/// With a key set, every request needs "Authorization: Bearer KEY" (401 otherwise). Both keys are hashed and the
/// hashes compared in constant time, so neither the content nor the length of the key leaks through timing. The refusal
/// is an OpenAI error object unless <paramref name="refuse"/> writes another shape (the silo's API: problem details).
/// With <paramref name="basic"/>, the key is also taken as the password of HTTP Basic authentication (any user name)
/// and a refusal asks for it, so a browser prompts once and sends it with every request of a page whose scripts are
/// not ours (the Orleans dashboard). Only read-only routes should take it: a browser sends it to any page's requests.
/// </summary>
public sealed class ApiKeyCheck(string key, Func<HttpContext, string, Task>? refuse = null, bool basic = false)
{
    private readonly byte[] _hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public async Task Middleware(HttpContext http, RequestDelegate next)
    {
        if (Given(http.Request.Headers.Authorization.ToString()) is not { } given)
        {
            await Refuse(http, basic
                ? "missing API key: send the header Authorization: Bearer KEY, or KEY as the password of HTTP Basic authentication"
                : "missing API key: send the header Authorization: Bearer KEY");
            return;
        }
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _hash))
        {
            await Refuse(http, "incorrect API key");
            return;
        }
        await next(http);
    }

    // The key a header carries; null when it carries none. A Basic header that does not decode carries an empty key, which never matches.
    private string? Given(string header)
    {
        const string bearer = "Bearer ", basicScheme = "Basic ";
        if (header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return header[bearer.Length..].Trim();
        if (!basic || !header.StartsWith(basicScheme, StringComparison.OrdinalIgnoreCase)) return null;
        var encoded = header[basicScheme.Length..].Trim();
        var decoded = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, decoded, out var length)) return "";
        var credentials = Encoding.UTF8.GetString(decoded[..length]);
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "" : credentials[(colon + 1)..];
    }

    private Task Refuse(HttpContext http, string message)
    {
        http.Response.Headers.WWWAuthenticate = basic ? "Basic realm=\"fpo\", charset=\"UTF-8\"" : "Bearer";
        return refuse is not null ? refuse(http, message) : ApiErrors.WriteAsync(http, new ApiException(StatusCodes.Status401Unauthorized, message, "authentication_error", code: "invalid_api_key"));
    }
}
