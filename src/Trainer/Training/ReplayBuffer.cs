using GoSeqZero.Go;

namespace GoSeqZero.Trainer.Training;

/// <summary>
/// The search steps of finished games, their targets blended with the outcome, kept in a ring of
/// <see cref="Capacity"/>: the newest replaces the oldest. <see cref="Draw"/> picks distinct steps uniformly.
/// </summary>
internal sealed class ReplayBuffer
{
    private readonly StepSample?[] _items;

    public ReplayBuffer(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a replay buffer holds at least one step");
        _items = new StepSample?[capacity];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    /// <summary>The slot the next step goes into.</summary>
    public int Next { get; private set; }

    public void Add(StepSample sample)
    {
        _items[Next] = sample;
        Next = (Next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>
    /// <paramref name="count"/> distinct steps (all of them when there are fewer) chosen uniformly by Floyd's algorithm,
    /// in the order drawn, so the same random state always gives the same draw.
    /// </summary>
    public List<StepSample> Draw(int count, ref FastRandom random)
    {
        count = Math.Min(count, Count);
        var chosen = new List<int>(count);
        var taken = new HashSet<int>();
        for (var j = Count - count; j < Count; j++)
        {
            var pick = random.NextInt(j + 1);
            var index = taken.Add(pick) ? pick : j;
            if (index == j) taken.Add(j);
            chosen.Add(index);
        }
        return chosen.Select(index => _items[index]!).ToList();
    }

    /// <summary>The filled slots in slot order, for saving (with <see cref="Next"/> they give the ring back exactly).</summary>
    public IEnumerable<StepSample> Stored => _items.Take(Count).Select(item => item!);

    /// <summary>Rebuilds a buffer exactly as saved: the same slots and the same next slot.</summary>
    public static ReplayBuffer Restore(int capacity, int next, IReadOnlyList<StepSample> stored)
    {
        var buffer = new ReplayBuffer(capacity);
        if (stored.Count > capacity) throw new InvalidDataException($"{stored.Count} replayed steps for a buffer of {capacity}");
        if (next < 0 || next >= capacity || (stored.Count < capacity && next != stored.Count))
            throw new InvalidDataException($"replay buffer: next slot {next} does not fit {stored.Count} steps in a buffer of {capacity}");
        for (var i = 0; i < stored.Count; i++) buffer._items[i] = stored[i];
        buffer.Count = stored.Count;
        buffer.Next = next;
        return buffer;
    }
}
