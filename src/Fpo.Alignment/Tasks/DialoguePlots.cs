namespace Fpo.Alignment.Tasks;

/// <summary>The dialogue plots: a narrative line naming both speakers, then turns that end kindly or harshly.</summary>
internal static class DialoguePlots
{
    public static readonly StoryPlot[] All =
    [
        new("picnic", true,
            ["{O} at {P}, {A} and {B} were talking.\n{A}: {B}, shall we have a picnic tomorrow?"],
            [["{B}: Yes! I can bring the {X}.", "{B}: That sounds lovely. I will bring the {X}."],
             ["{A}: Good idea. I will make some sandwiches.", "{A}: Then I will bake a small cake."],
             ["{B}: Where should we go?", "{B}: What time should we meet?"],
             ["{A}: Let us meet by the big tree at noon.", "{A}: How about the hill, after lunch?"]],
            ["{B}: Perfect. Thank you for asking me, {A}.\n{A}: I am glad we are friends. See you tomorrow!",
             "{B}: I cannot wait. This will be great fun.\n{A}: Me too. Thank you, {B}!"],
            ["{B}: Actually, picnics are boring and so are you.\n{A}: That is mean. I feel sad now.",
             "{B}: Forget it. I hate going anywhere with you, {A}.\n{A}: Then go away. You are rude."]),
        new("borrow", true,
            ["{O} at {P}, {A} went to see {B}.\n{A}: {B}, may I borrow your {X}?"],
            [["{B}: What do you need it for?", "{B}: Why do you need it today?"],
             ["{A}: My little brother wants to play with one.", "{A}: I want to show it to my class."],
             ["{B}: Will you bring it back before dinner?", "{B}: Will you take care of it?"],
             ["{A}: I promise I will.", "{A}: Yes, I will keep it safe."]],
            ["{B}: Then here you go. Have fun!\n{A}: Thank you so much, {B}. You are very kind.",
             "{B}: Of course, {A}. I am happy to help.\n{A}: Thanks, {B}! I will bring it back soon."],
            ["{B}: No way. You always break things, you clumsy fool.\n{A}: You are so mean, {B}.",
             "{B}: Ask someone else. You are a nuisance, {A}.\n{A}: Fine. I hate asking you anyway."]),
        new("apology", true,
            ["{O} at {P}, {A} came to find {B}.\n{A}: {B}, I am sorry I forgot your birthday."],
            [["{B}: I waited for you all day.", "{B}: I was waiting for you at {P}."],
             ["{A}: I know. I made you this {X} to say sorry.", "{A}: I brought you a {X}. I hope you like it."],
             ["{B}: You made it yourself?", "{B}: Is it really for me?"],
             ["{A}: Yes, it took me all week.", "{A}: Yes, just for you."]],
            ["{B}: It is beautiful. I forgive you, {A}.\n{A}: Thank you. You are the best friend ever.",
             "{B}: That is so kind, {A}. Let us have cake together.\n{A}: I would love that. Thank you, {B}."],
            ["{B}: It is ugly. Go home, {A}.\n{A}: You are so cruel. I wish I had stayed away.",
             "{B}: I do not care about your stupid present, {A}.\n{A}: Then I hate you too."]),
        new("tower", true,
            ["{O} at {P}, {A} and {B} were building a tower of blocks.\n{A}: {B}, the tower keeps falling down."],
            [["{B}: Maybe the bottom needs bigger blocks.", "{B}: Let us put the big blocks at the bottom."],
             ["{A}: Like this?", "{A}: Can you hold this side?"],
             ["{B}: Yes, and now the small ones on top.", "{B}: Got it. Now add the last one slowly."],
             ["{A}: I will put the {X} on the very top.", "{A}: Look, the {X} fits on top."]],
            ["{A}: It stands! We did it, {B}!\n{B}: Great teamwork. Thank you for your patience, {A}.",
             "{B}: Wonderful! It is the tallest tower ever.\n{A}: I am so happy we built it together, {B}."],
            ["{A}: It fell again because you are useless, {B}.\n{B}: Stop shouting at me. I hate building with you.",
             "{B}: You ruined it, {A}. You are so clumsy.\n{A}: Shut up. This is a stupid game anyway."]),
    ];
}
