using System.CommandLine;
using System.Globalization;
using Fpo.Silo.Cli;

// Numbers in logs, tables and files read the same on every machine, whatever its locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

try
{
    return await FpoCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration
    {
        EnableDefaultExceptionHandler = false,
        // Ctrl+C asks a command to stop cleanly (finish a step, save a checkpoint, publish a snapshot); give it time to.
        ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
    });
}
catch (CliException e)
{
    Console.Error.WriteLine($"fpo: {e.Message}");
    return 2;
}
catch (Exception e) when (e is IOException or InvalidDataException or FormatException or InvalidOperationException
                              or ArgumentException or NotSupportedException or TimeoutException)
{
    // Errors from bad files or settings carry a message written for the user; a stack trace would bury it.
    Console.Error.WriteLine($"fpo: {e.Message}");
    return 1;
}
