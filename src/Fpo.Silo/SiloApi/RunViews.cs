using Fpo.Silo.Api;
using Fpo.Silo.SiloApi.Features;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// The runs one API answers for: a silo hosts one run or several side by side (one cluster, grains keyed by run). Each
/// route of /api takes <c>?run=ID</c> to choose a run; without it, the first run answers, so a single-run silo's API
/// reads as before. <c>GET /api/runs</c> lists them. The metrics and the OpenAI-compatible endpoints serve the first run.
/// </summary>
public sealed class RunViews
{
    /// <summary>The query parameter that chooses a run.</summary>
    public const string Parameter = "run";

    private readonly Dictionary<string, (IRunView View, FeatureQueries Features)> _byId = new(StringComparer.Ordinal);

    public RunViews(IReadOnlyList<IRunView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count == 0) throw new ArgumentException("an API needs at least one run", nameof(views));
        All = views;
        foreach (var view in views)
            if (!_byId.TryAdd(view.Stores.RunId, (view, new FeatureQueries(view, new TokenTexts(view.Model.Tokenizer)))))
                throw new ArgumentException($"run '{view.Stores.RunId}' is listed twice", nameof(views));
    }

    public IReadOnlyList<IRunView> All { get; }

    public IRunView Default => All[0];

    /// <summary>The run a request asks for (its <c>?run=</c>), or the first; an unknown run is a 404 problem naming the runs there are.</summary>
    public IRunView ViewOf(HttpRequest request) => Entry(request).View;

    public FeatureQueries FeaturesOf(HttpRequest request) => Entry(request).Features;

    public FeatureQueries FeaturesOf(IRunView view) => _byId[view.Stores.RunId].Features;

    private (IRunView View, FeatureQueries Features) Entry(HttpRequest request)
    {
        if (!request.Query.TryGetValue(Parameter, out var asked) || asked.Count == 0) return _byId[Default.Stores.RunId];
        if (asked.Count == 1 && asked[0] is { } id && _byId.TryGetValue(id, out var entry)) return entry;
        throw new ProblemException(StatusCodes.Status404NotFound,
            $"no run '{string.Join(",", asked.ToArray())}' here; this API answers for {string.Join(", ", All.Select(v => v.Stores.RunId))}");
    }
}
