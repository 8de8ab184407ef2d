using Fpo.Alignment.Chat;

namespace Fpo.Alignment.Explanations;

/// <summary>An explainer's YAML: the chat server it asks and what it asks for.</summary>
public sealed record ExplainerSettings(ChatServer Server, ExplainerOptions Options);
