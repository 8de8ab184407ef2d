using Fpo.Silo.Cli;

return await FpoCli.Create().Parse(args).InvokeAsync();
