using System.Security.Cryptography;
using System.Text;

namespace Fpo.Silo.Api;

/// <summary>
/// With a key set, every request needs "Authorization: Bearer KEY" (401 otherwise). Both keys are hashed and the
/// hashes compared in constant time, so neither the content nor the length of the key leaks through timing. The refusal
/// is an OpenAI error object unless <paramref name="refuse"/> writes another shape (the silo's API: problem details).
/// </summary>
public sealed class ApiKeyCheck(string key, Func<HttpContext, string, Task>? refuse = null)
{
    private readonly byte[] _hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public async Task Middleware(HttpContext http, RequestDelegate next)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            await Refuse(http, "missing API key: send the header Authorization: Bearer KEY");
            return;
        }
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[bearer.Length..].Trim()));
        if (!CryptographicOperations.FixedTimeEquals(given, _hash))
        {
            await Refuse(http, "incorrect API key");
            return;
        }
        await next(http);
    }

    private Task Refuse(HttpContext http, string message)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return refuse is not null ? refuse(http, message) : ApiErrors.WriteAsync(http, new ApiException(StatusCodes.Status401Unauthorized, message, "authentication_error", code: "invalid_api_key"));
    }
}
