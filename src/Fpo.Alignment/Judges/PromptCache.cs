using System.Security.Cryptography;
using System.Text;

namespace Fpo.Alignment.Judges;

/// <summary>
/// A bounded least-recently-used cache of one order's verdict, keyed by the model and the SHA-256 of the prompt (and
/// anything else that changes the answer, folded into the key's text). Only labels are stored: a failure is retried on
/// the next request instead of being remembered.
/// </summary>
public sealed class PromptCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, double Value)>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, double Value)> _order = new();  // most recent first
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity >= 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the cache size must be >= 0 (0 = no cache)");

    public int Count
    {
        get
        {
            lock (_lock) return _index.Count;
        }
    }

    public static string Key(string model, string prompt) => $"{model}\n{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(prompt)))}";

    public bool TryGet(string key, out double value)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = 0;
        return false;
    }

    public void Add(string key, double value)
    {
        if (Capacity == 0) return;
        lock (_lock)
        {
            if (_index.Remove(key, out var old)) _order.Remove(old);
            _index[key] = _order.AddFirst((key, value));
            if (_index.Count > Capacity)
            {
                _index.Remove(_order.Last!.Value.Key);
                _order.RemoveLast();
            }
        }
    }
}
