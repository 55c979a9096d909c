namespace GoSeqZero.Go;

/// <summary>
/// The set of position hashes seen in a game, for positional superko: open addressing with linear probing,
/// zero as the empty slot. Starts at the size its owner expects and grows (allocating) only past it.
/// </summary>
internal sealed class PositionHistory
{
    private ulong[] _slots;
    private int _count;

    public PositionHistory(int expectedPositions)
    {
        var capacity = 16;
        while (capacity < 2 * expectedPositions) capacity *= 2;
        _slots = new ulong[capacity];
    }

    public void Clear()
    {
        Array.Clear(_slots);
        _count = 0;
    }

    public bool Contains(ulong hash)
    {
        var mask = _slots.Length - 1;
        for (var i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            var slot = _slots[i];
            if (slot == hash) return true;
            if (slot == 0) return false;
        }
    }

    public void Add(ulong hash)
    {
        if (2 * (_count + 1) > _slots.Length) Grow();
        var mask = _slots.Length - 1;
        for (var i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            var slot = _slots[i];
            if (slot == hash) return;
            if (slot == 0)
            {
                _slots[i] = hash;
                _count++;
                return;
            }
        }
    }

    public void CopyFrom(PositionHistory other)
    {
        if (_slots.Length != other._slots.Length) _slots = new ulong[other._slots.Length];
        other._slots.CopyTo(_slots, 0);
        _count = other._count;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new ulong[old.Length * 2];
        _count = 0;
        foreach (var hash in old)
            if (hash != 0) Add(hash);
    }
}
