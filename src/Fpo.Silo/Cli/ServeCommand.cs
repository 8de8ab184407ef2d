using System.CommandLine;
using Fpo.Silo.Api;
using Microsoft.Extensions.Hosting;

namespace Fpo.Silo.Cli;

/// <summary>`fpo serve`: an OpenAI-compatible HTTP server for one model folder, until Ctrl+C.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model folder: config.json, model.safetensors and tokenizer.json.", Required = true };
        var name = new Option<string?>("--model-name") { Description = "The model id clients pass (default: the folder's name)." };
        var host = new Option<string>("--host") { Description = "IP address to listen on; loopback unless you mean to expose the model.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require Authorization: Bearer KEY on every request (default: the FPO_API_KEY environment variable; none when unset)." };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together (KV cache slots), across all requests.", DefaultValueFactory = _ => 16 };
        var maxSeqLen = new Option<int?>("--max-seq-len") { Description = "Positions per sequence, prompt plus max_tokens (default: the model's, at most 1024)." };
        var queue = new Option<int>("--queue") { Description = "Requests that may wait for a slot; beyond that the server answers 429.", DefaultValueFactory = _ => 256 };
        var template = new Option<FileInfo?>("--chat-template") { Description = "Chat template file (key = value lines: begin, message with {role} and {content}, generation, stop); default: the model family's." };
        var command = new Command("serve", "Serve a model over OpenAI's HTTP API: POST /v1/chat/completions, POST /v1/completions, GET /v1/models; continuous batching across requests.")
        {
            model, name, host, port, apiKey, maxBatch, maxSeqLen, queue, template,
        };
        command.SetAction(async (parse, ct) =>
        {
            CommonOptions.Apply(parse);
            var error = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(model)!;
            var portNumber = parse.GetValue(port);
            if (portNumber is < 0 or > 65535) throw new CliException($"--port must be in [0, 65535] (got {portNumber})");
            if (parse.GetValue(maxBatch) < 1) throw new CliException($"--max-batch must be at least 1 (got {parse.GetValue(maxBatch)})");
            if (parse.GetValue(queue) < 1) throw new CliException($"--queue must be at least 1 (got {parse.GetValue(queue)})");
            var (policy, tokenizer) = ModelFolder.Load(dir.FullName);
            if (parse.GetValue(maxSeqLen) is { } length && (length < 1 || length > policy.Config.MaxPositions))
                throw new CliException($"--max-seq-len must be in [1, {policy.Config.MaxPositions}] (the model's positions), got {length}");
            var options = new ServerOptions
            {
                ModelName = parse.GetValue(name) ?? dir.Name,
                Host = parse.GetValue(host)!,
                Port = portNumber,
                ApiKey = parse.GetValue(apiKey) ?? NonEmpty(Environment.GetEnvironmentVariable("FPO_API_KEY")),
                MaxBatch = parse.GetValue(maxBatch),
                MaxSequenceLength = parse.GetValue(maxSeqLen),
                QueueCapacity = parse.GetValue(queue),
                ChatTemplate = parse.GetValue(template) is { } file ? LoadTemplate(file) : null,
            };
            WebApplication app;
            try
            {
                app = OpenAiServer.Create(policy, tokenizer, options);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"--host: {e.Message}");
            }
            await using (app)
            {
                var address = await OpenAiServer.StartAsync(app, ct);
                var engine = app.Services.GetRequiredService<GenerationService>().Engine;
                error.WriteLine($"fpo: serving '{options.ModelName}' ({policy.Config.Family}, {policy.Parameters.Length:N0} parameters) at {address}v1 " +
                                $"with {engine.MaxBatch} slots x {engine.MaxSequenceLength} positions, queue {options.QueueCapacity}" +
                                (options.ApiKey is null ? ", no API key" : ", API key required") + "; Ctrl+C stops");
                // Ctrl+C reaches us through ct, SIGTERM through the host's lifetime; either stops the server gracefully.
                await app.WaitForShutdownAsync(ct);
                error.WriteLine("fpo: stopped");
            }
            return 0;
        });
        return command;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ChatTemplate LoadTemplate(FileInfo file)
    {
        if (!file.Exists) throw new CliException($"--chat-template {file.FullName}: no such file");
        try
        {
            return ChatTemplate.Load(file.FullName);
        }
        catch (FormatException e)
        {
            throw new CliException($"--chat-template {e.Message}");
        }
    }
}
