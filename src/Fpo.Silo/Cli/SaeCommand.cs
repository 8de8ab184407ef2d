using System.CommandLine;

namespace Fpo.Silo.Cli;

/// <summary>`fpo sae …`: train and evaluate sparse autoencoders over a model's residual stream.</summary>
public static class SaeCommand
{
    public static Command Create()
    {
        var sae = new Command("sae", "Sparse autoencoders over a model's residual stream: train one, or measure how well one reconstructs.");
        sae.Subcommands.Add(SaeTrainCommand.Create());
        return sae;
    }
}
