using System.CommandLine;
using Fpo.Silo.Cli;

try
{
    return await FpoCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
