namespace Fpo.Alignment.Tasks;

/// <summary>
/// The generator's vocabulary (our own lists). Names are capitalised and used whole (never possessive), places and
/// objects are lower case and start with a consonant, so "a {X}" reads right and only names look like entities to a
/// judge; openers leave the names mid-sentence, where a judge recognises them as the prompt's characters.
/// </summary>
internal static class StoryWords
{
    /// <summary>Few enough that every name is seen often: what the policy must learn is to carry the prompt's two names
    /// through the story, and a name it rarely meets is one it cannot copy.</summary>
    public static readonly string[] Names =
    [
        "Mia", "Tom", "Lily", "Sam", "Ben", "Anna", "Leo", "Nora", "Max", "Ella", "Finn", "Zoe", "Jack", "Ruby", "Owen",
        "Ivy", "Noah", "Lucy", "Omar", "Rosa",
    ];

    public static readonly string[] Places =
    [
        "the park", "the river", "the old barn", "the market", "the beach", "the forest", "the school yard", "the library",
        "the garden", "the harbor", "the hill", "the bakery", "the meadow", "the pond", "the village square", "the orchard",
        "the lighthouse", "the train station", "the farm", "the playground",
    ];

    public static readonly string[] Objects =
    [
        "red kite", "blue ball", "little boat", "paper crown", "toy robot", "wooden sword", "small lantern", "green drum",
        "basket of apples", "jar of honey", "music box", "silver bell", "striped scarf", "new bicycle", "picture book",
        "fishing net", "toy train", "yellow hat", "clay pot", "tin whistle",
    ];

    public static readonly string[] Openers =
    [
        "One sunny morning", "On a rainy afternoon", "Late one evening", "One cold winter day", "At the end of summer",
        "One windy day", "After school one day", "Early one morning", "On a warm spring day", "One quiet night",
    ];
}
