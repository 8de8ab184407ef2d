namespace Fpo.Grains.Backbone;

/// <summary>A backbone's streams by name: one instance per name, of one record type, created on first use. Thread-safe.</summary>
internal sealed class StreamRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Type Type, object Stream)> _streams = new(StringComparer.Ordinal);

    /// <summary>The stream <paramref name="name"/>, made by <paramref name="create"/> (under the registry's lock) the first time.</summary>
    public IStream<T> GetOrAdd<T>(string name, Func<IStream<T>> create)
    {
        BackboneNames.CheckStream(name);
        lock (_gate)
        {
            if (_streams.TryGetValue(name, out var existing))
                return existing.Stream as IStream<T>
                    ?? throw new InvalidOperationException($"stream '{name}' holds {existing.Type.Name} records, not {typeof(T).Name}");
            var stream = create();
            _streams.Add(name, (typeof(T), stream));
            return stream;
        }
    }

    /// <summary>The open stream <paramref name="name"/>, whatever its record type, or null.</summary>
    public object? Find(string name) => Inspect(name, s => s);

    /// <summary>Runs <paramref name="inspect"/> on the open stream <paramref name="name"/> (or null) while no one can open it.</summary>
    public TResult Inspect<TResult>(string name, Func<object?, TResult> inspect)
    {
        lock (_gate) return inspect(_streams.TryGetValue(name, out var s) ? s.Stream : null);
    }

    public bool Contains(object stream)
    {
        lock (_gate) return _streams.Values.Any(s => ReferenceEquals(s.Stream, stream));
    }

    /// <summary>Forgets every stream and returns them, for disposal.</summary>
    public List<object> Clear()
    {
        lock (_gate)
        {
            List<object> all = [.. _streams.Values.Select(s => s.Stream)];
            _streams.Clear();
            return all;
        }
    }
}
