using System.Reflection;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The dashboard: three static files embedded in the assembly (no CDN, works offline), each at a fixed route. They
/// hold no run data, so they load without the token; the page asks for the token and sends it with every API call.
/// </summary>
public static class DashboardApi
{
    /// <summary>Route → (embedded resource, content type). The only files served; nothing is looked up from the request.</summary>
    public static readonly IReadOnlyDictionary<string, (string Resource, string ContentType)> Files = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["/"] = ("dashboard/index.html", "text/html; charset=utf-8"),
        ["/dashboard/app.js"] = ("dashboard/app.js", "text/javascript; charset=utf-8"),
        ["/dashboard/style.css"] = ("dashboard/style.css", "text/css; charset=utf-8"),
    };

    public static void Map(WebApplication app)
    {
        foreach (var (route, (resource, contentType)) in Files)
        {
            var bytes = Read(resource);
            app.MapGet(route, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "no-cache";
                http.Response.Headers["X-Content-Type-Options"] = "nosniff";
                http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";
                return Results.Bytes(bytes, contentType);
            }).WithSummary(route == "/" ? "Dashboard" : "Dashboard file").WithDescription("A static file of the dashboard (needs no token).").Produces(200, contentType: contentType.Split(';')[0]);
        }
    }

    private static byte[] Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the dashboard file {resource} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
