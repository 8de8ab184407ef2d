namespace Fpo.Silo.Cli;

/// <summary>A user error on the command line: printed as one line, exit code 2, no stack trace.</summary>
public sealed class CliException(string message) : Exception(message);
