using System.CommandLine;

namespace Fpo.Silo.Cli;

/// <summary>`fpo sae …`: train and evaluate sparse autoencoders over a model's residual stream.</summary>
public static class SaeCommand
{
    public static Command Create()
    {
        var sae = new Command("sae", "Sparse autoencoders over a model's residual stream: train one, measure how well one reconstructs, or explain a latent.");
        sae.Subcommands.Add(SaeTrainCommand.Create());
        sae.Subcommands.Add(SaeEvalCommand.Create());
        sae.Subcommands.Add(SaeExplainCommand.Create());
        return sae;
    }
}
