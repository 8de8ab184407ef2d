using System.Globalization;
using System.Text.Json;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// Reads the run journal's records of the trainer (kind "trainer-step", id = step) and the evaluator (kind
/// "evaluation", id = version). Field names are matched ignoring case and underscores, so both the serialised records
/// (<see cref="TrainerStepReport"/> with its nested Metrics, <see cref="SnapshotEvaluation"/>) and the snake_case lines
/// of metrics.jsonl read the same. A record that does not parse is skipped with its reason kept in <see cref="Problems"/>.
/// </summary>
public sealed class JournalRecords(IRunJournal journal)
{
    public const string TrainerStepKind = "trainer-step";
    public const string EvaluationKind = "evaluation";
    private const int Page = 1000;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, TrainerStepPoint> _steps = [];
    private readonly SortedDictionary<long, SnapshotEvaluation> _evaluations = [];
    private readonly List<string> _problems = [];
    private long _stepsRead, _evaluationsRead;

    /// <summary>Records that could not be read, one line each (kind, id, why).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate) return [.. _problems];
        }
    }

    public async Task<IReadOnlyList<TrainerStepPoint>> StepsAsync(CancellationToken cancellationToken)
    {
        _stepsRead = await ReadAsync(TrainerStepKind, _stepsRead, e => _steps[ParseStep(e.Json).Step] = ParseStep(e.Json), cancellationToken).ConfigureAwait(false);
        lock (_gate) return [.. _steps.Values];
    }

    public async Task<IReadOnlyList<SnapshotEvaluation>> EvaluationsAsync(CancellationToken cancellationToken)
    {
        _evaluationsRead = await ReadAsync(EvaluationKind, _evaluationsRead, e =>
        {
            var evaluation = ParseEvaluation(e.Json);
            _evaluations[evaluation.Version] = evaluation;
        }, cancellationToken).ConfigureAwait(false);
        lock (_gate) return [.. _evaluations.Values];
    }

    private async Task<long> ReadAsync(string kind, long after, Action<JournalEntry> add, CancellationToken cancellationToken)
    {
        while (true)
        {
            var entries = await journal.ReadAsync(kind, after, Page, cancellationToken).ConfigureAwait(false);
            lock (_gate)
                foreach (var e in entries)
                {
                    try
                    {
                        add(e);
                    }
                    catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
                    {
                        _problems.Add($"journal {kind} {e.Id} (sequence {e.Sequence}): {ex.Message}");
                    }
                    after = Math.Max(after, e.Sequence);
                }
            if (entries.Count < Page) return after;
        }
    }

    public static TrainerStepPoint ParseStep(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = new Fields(document.RootElement);
        var metrics = root.Object("metrics") ?? root;
        return new TrainerStepPoint(root.Long("step"), metrics.Double("loss"), metrics.Double("accuracy"), metrics.Double("margin"),
            metrics.OptionalDouble("featuredivergencechosen", "dfpochosen"), metrics.OptionalDouble("featuredivergencerejected", "dfporejected"),
            metrics.OptionalDouble("sequenceklchosen", "klchosen"), metrics.OptionalDouble("sequenceklrejected", "klrejected"),
            (int)metrics.Long("pairs"), root.Double("learningrate", "lr"), root.Double("gradientnorm", "gradnorm"),
            root.Double("meanpolicylag", "policylag"), root.Double("stepseconds"), root.OptionalLong("publishedversion"));
    }

    public static SnapshotEvaluation ParseEvaluation(string json)
    {
        using var document = JsonDocument.Parse(json);
        var e = new Fields(document.RootElement);
        return new SnapshotEvaluation(e.Long("version"), e.Long("trainerstep"), (int)e.Long("prompts"), (int)e.Long("wins"), (int)e.Long("losses"),
            (int)e.Long("ties"), (int)e.Long("abstentions"), e.OptionalDouble("meanscore"), e.OptionalDouble("referencemeanscore"),
            e.Double("klpertoken"), e.Double("klperresponse"), e.OptionalDouble("featuredrift"), e.Double("meanlength"), e.Double("referencemeanlength"),
            e.Time("at"));
    }

    // An object's fields by name folded to lower case without underscores.
    private readonly struct Fields
    {
        private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);

        public Fields(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object) throw new FormatException($"expected a JSON object, found {element.ValueKind}");
            foreach (var p in element.EnumerateObject()) _fields[p.Name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant()] = p.Value;
        }

        public Fields? Object(string name) => Find([name]) is { ValueKind: JsonValueKind.Object } v ? new Fields(v) : null;

        public long Long(params string[] names) => OptionalLong(names) ?? throw Missing(names);

        public long? OptionalLong(params string[] names) => Find(names) is { } v ? v.GetInt64() : null;

        public double Double(params string[] names) => OptionalDouble(names) ?? throw Missing(names);

        public double? OptionalDouble(params string[] names) => Find(names) is { } v
            ? v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetDouble()
            : null;

        public DateTimeOffset Time(string name) => Find([name]) is { } v ? v.GetDateTimeOffset() : throw Missing([name]);

        private JsonElement? Find(string[] names)
        {
            foreach (var n in names)
                if (_fields.TryGetValue(n, out var v) && v.ValueKind != JsonValueKind.Null) return v;
            return null;
        }

        private static KeyNotFoundException Missing(string[] names) => new($"no field {string.Join(" or ", names)}");
    }
}
