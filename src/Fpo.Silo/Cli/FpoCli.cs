using System.CommandLine;

namespace Fpo.Silo.Cli;

/// <summary>The `fpo` command tree. Each command lives in its own file and adds itself here.</summary>
public static class FpoCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Fpo: online alignment of language models with AI feedback and sparse-autoencoder feature constraints.");
        root.Options.Add(CommonOptions.Threads);
        root.Subcommands.Add(PretrainCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(SaeCommand.Create());
        root.Subcommands.Add(ReferenceCommand.Create());
        root.Subcommands.Add(JudgeCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(TaskCommand.Create());
        root.Subcommands.Add(LoopCommand.Create());
        root.Subcommands.Add(SiloCommand.Create());
        root.Subcommands.Add(ExperimentCommand.Create());
        root.Subcommands.Add(LineageCommand.Create());
        return root;
    }
}
