using Microsoft.AspNetCore.Http.Features;

namespace Fpo.Silo.Api;

/// <summary>
/// Every refusal leaves the server as an OpenAI error object: handler errors (<see cref="ApiException"/>), bodies over
/// the size limit (413), unknown routes (404) and anything unexpected (500 with the exception's message, no stack trace).
/// </summary>
public static class ApiErrors
{
    public static IResult Result(ApiException error) =>
        TypedResults.Json(error.ToBody(), OpenAiJson.Options, statusCode: error.Status);

    public static Task WriteAsync(HttpContext http, ApiException error) => Result(error).ExecuteAsync(http);

    /// <summary>Turns exceptions thrown by handlers into error objects. Errors after a stream started cannot change
    /// its status; the stream just ends.</summary>
    public static async Task Middleware(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        catch (ApiException error) when (!http.Response.HasStarted)
        {
            await WriteAsync(http, error);
        }
        catch (BadHttpRequestException bad) when (!http.Response.HasStarted)
        {
            var status = bad.StatusCode;
            var message = status == StatusCodes.Status413PayloadTooLarge
                ? $"the request body is over the server's limit of {http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize:N0} bytes"
                : bad.Message;
            await WriteAsync(http, new ApiException(status, message, "invalid_request_error",
                code: status == StatusCodes.Status413PayloadTooLarge ? "request_too_large" : null));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            await WriteAsync(http, new ApiException(StatusCodes.Status500InternalServerError, $"the server failed: {e.Message}", "server_error"));
        }
    }

    public static Task NotFound(HttpContext http) => WriteAsync(http, new ApiException(StatusCodes.Status404NotFound,
        $"unknown route {http.Request.Method} {http.Request.Path}: this server has POST /v1/chat/completions, POST /v1/completions and GET /v1/models",
        "invalid_request_error", code: "unknown_url"));
}
