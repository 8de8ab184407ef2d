using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace Fpo.Silo.SiloApi;

/// <summary>A request the silo's API refuses: its status and what was wrong, naming the parameter when one was.</summary>
public sealed class ProblemException(int status, string detail, string? parameter = null) : Exception(detail)
{
    public int Status => status;
    public string? Parameter => parameter;

    public static ProblemException Invalid(string parameter, string detail) => new(StatusCodes.Status400BadRequest, detail, parameter);

    public static ProblemException NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);
}

/// <summary>
/// RFC 7807 problem details for every refusal of the silo's API (400 invalid input, 401 no or wrong token, 404 unknown
/// id or route, 409 a control action this silo cannot take, 413 a body over the limit, 500 a failure), and the
/// validated readers of query and route values the handlers use: a value out of range, of the wrong form, or a query
/// parameter the route does not take is a 400 naming the parameter, never a silent default.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult Result(int status, string detail, string? parameter = null) => TypedResults.Problem(
        detail: detail, statusCode: status, title: Title(status), type: "about:blank",
        extensions: parameter is null ? null : new Dictionary<string, object?> { ["parameter"] = parameter });

    public static Task WriteAsync(HttpContext http, int status, string detail, string? parameter = null) =>
        Result(status, detail, parameter).ExecuteAsync(http);

    public static async Task Middleware(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        catch (ProblemException problem) when (!http.Response.HasStarted)
        {
            await WriteAsync(http, problem.Status, problem.Message, problem.Parameter);
        }
        catch (BadHttpRequestException bad) when (!http.Response.HasStarted)
        {
            var detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"the request body is over the limit of {http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize:N0} bytes"
                : bad.Message;
            await WriteAsync(http, bad.StatusCode, detail);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            await WriteAsync(http, StatusCodes.Status500InternalServerError, $"the server failed: {e.Message}");
        }
    }

    public static Task NotFound(HttpContext http) => WriteAsync(http, StatusCodes.Status404NotFound,
        $"unknown route {http.Request.Method} {http.Request.Path}; /openapi.json lists the routes");

    /// <summary>Refuses query parameters the route does not take (a typo would otherwise be ignored).</summary>
    public static void OnlyQuery(HttpRequest request, params string[] allowed)
    {
        foreach (var name in request.Query.Keys)
            if (Array.IndexOf(allowed, name) < 0 && name != RunViews.Parameter)
                throw ProblemException.Invalid(name, allowed.Length == 0
                    ? $"unknown query parameter '{name}': this route takes none"
                    : $"unknown query parameter '{name}': this route takes {string.Join(", ", allowed)}");
    }

    /// <summary>A non-negative integer id from the route or query (e.g. a snapshot version or a latent).</summary>
    public static long Id(string name, string? text, long max = long.MaxValue)
    {
        if (text is null || text.Length == 0 || text.Length > 19 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw ProblemException.Invalid(name, $"{name} '{Clip(text)}' is not a non-negative integer");
        if (id > max) throw ProblemException.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"{name} {id} is out of range [0, {max}]"));
        return id;
    }

    public static long? OptionalId(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var v) ? Id(name, Single(name, v)) : null;

    public static int Int(HttpRequest request, string name, int fallback, int min, int max)
    {
        if (!request.Query.TryGetValue(name, out var v)) return fallback;
        var text = Single(name, v);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x))
            throw ProblemException.Invalid(name, $"{name} '{Clip(text)}' is not an integer");
        if (x < min || x > max) throw ProblemException.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"{name} {x} is out of range [{min}, {max}]"));
        return x;
    }

    public static double Number(HttpRequest request, string name, double fallback, double min, double max, bool minExclusive = false, bool maxExclusive = false)
    {
        if (!request.Query.TryGetValue(name, out var v)) return fallback;
        var text = Single(name, v);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
            throw ProblemException.Invalid(name, $"{name} '{Clip(text)}' is not a finite number");
        if ((minExclusive ? x <= min : x < min) || (maxExclusive ? x >= max : x > max))
            throw ProblemException.Invalid(name, string.Create(CultureInfo.InvariantCulture, $"{name} {x} is out of range {(minExclusive ? "(" : "[")}{min}, {max}{(maxExclusive ? ")" : "]")}"));
        return x;
    }

    public static string Choice(HttpRequest request, string name, string fallback, IEnumerable<string> allowed)
    {
        if (!request.Query.TryGetValue(name, out var v)) return fallback;
        var text = Single(name, v);
        var options = allowed.ToList();
        return options.Contains(text, StringComparer.Ordinal) ? text
            : throw ProblemException.Invalid(name, $"{name} '{Clip(text)}' is not one of {string.Join(", ", options)}");
    }

    private static string Single(string name, Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 1 ? values[0] ?? "" : throw ProblemException.Invalid(name, $"{name} is given {values.Count} times; give it once");

    // Echo at most 40 characters of a bad value, so a refusal never reflects a large input back.
    private static string Clip(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";

    private static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
}
