using System.Runtime.CompilerServices;

namespace GoSeqZero.Go;

/// <summary>
/// A Go position under the rules of docs/design.md, The rules: captures, no suicide, positional superko over the
/// history of positions since the start (or the last setup), area scoring.
///
/// Points are indices into a padded grid: a one-point frame of <see cref="Color.Border"/> around the board
/// lets neighbour loops run without edge tests. Chains are circular linked lists with a head; each head
/// keeps pseudo-liberties (one per stone–empty adjacency) with their sum and sum of squares, which tells
/// "exactly one liberty" exactly (Cauchy–Schwarz: all pseudo-liberties equal ⇔ n·Σp² = (Σp)²).
/// Nothing is allocated per move.
/// </summary>
public sealed class Board
{
    /// <summary>The pass move. Index 0 is a corner of the border frame, so it is never a point.</summary>
    public const int PassMove = 0;

    public int Size { get; }
    /// <summary>Row stride of the padded grid.</summary>
    public int Stride { get; }
    /// <summary>Length of the padded grid; every point index is below this.</summary>
    public int GridLength { get; }

    private readonly Color[] _color;
    private readonly short[] _head;
    private readonly short[] _nextStone;
    private readonly short[] _stoneCount;
    private readonly short[] _libCount;
    private readonly int[] _libSum;
    private readonly long[] _libSumSquares;
    private readonly ulong[] _chainHash;
    private readonly short[] _empties;
    private readonly short[] _emptyPosition;
    private int _emptyCount;
    private readonly int[] _neighbourOffsets;
    private readonly short[] _points;
    private readonly PositionHistory _history;
    private readonly int[] _floodStack;
    private readonly bool[] _floodSeen;

    public ulong Hash { get; private set; }
    public Color ToMove { get; private set; }
    public int ConsecutivePasses { get; private set; }
    /// <summary>Moves (passes included) played on this board since it was cleared; a setup keeps the count.</summary>
    public int MoveCount { get; private set; }
    /// <summary>A game stops at this many moves even without two passes (a runaway-game cap).</summary>
    public int MoveCap { get; set; }
    public int CapturedBy(Color color) => color == Color.Black ? _capturedByBlack : _capturedByWhite;
    private int _capturedByBlack;
    private int _capturedByWhite;

    public bool IsGameOver => ConsecutivePasses >= 2 || MoveCount >= MoveCap;

    /// <summary>Every point of the board, row by row from A1, as grid indices.</summary>
    public ReadOnlySpan<short> Points => _points;
    public int EmptyCount => _emptyCount;
    public ReadOnlySpan<short> EmptyPoints => _empties.AsSpan(0, _emptyCount);

    public static int DefaultMoveCap(int size) => 3 * size * size;

    public Board(int size, int? moveCap = null)
    {
        // 1×1 is not a playable size, but it is the first term when counting legal positions.
        if (size < 1 || size > Vertex.MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"board size must be 1..{Vertex.MaxSize} (1 only for counting positions; games need 2 or more)");
        Size = size;
        Stride = size + 2;
        GridLength = Stride * Stride;
        MoveCap = moveCap ?? DefaultMoveCap(size);
        _color = new Color[GridLength];
        _head = new short[GridLength];
        _nextStone = new short[GridLength];
        _stoneCount = new short[GridLength];
        _libCount = new short[GridLength];
        _libSum = new int[GridLength];
        _libSumSquares = new long[GridLength];
        _chainHash = new ulong[GridLength];
        _empties = new short[size * size];
        _emptyPosition = new short[GridLength];
        _neighbourOffsets = [-Stride, -1, 1, Stride];
        _points = new short[size * size];
        // Sized for a long game, not the cap: CopyFrom copies the whole table on every playout; it grows if needed.
        _history = new PositionHistory(Math.Min(MoveCap, 2 * size * size) + 2);
        _floodStack = new int[GridLength];
        _floodSeen = new bool[GridLength];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                _points[y * size + x] = (short)PointAt(x, y);
        Clear();
    }

    /// <summary>Empties the board, Black to move, no history.</summary>
    public void Clear()
    {
        Array.Fill(_color, Color.Border);
        _emptyCount = 0;
        foreach (var p in _points)
        {
            _color[p] = Color.Empty;
            _emptyPosition[p] = (short)_emptyCount;
            _empties[_emptyCount++] = p;
        }
        Hash = Zobrist.EmptyBoard(Size);
        ToMove = Color.Black;
        ConsecutivePasses = 0;
        MoveCount = 0;
        _capturedByBlack = _capturedByWhite = 0;
        _history.Clear();
        _history.Add(Hash);
    }

    /// <summary>Makes this board an exact copy of <paramref name="other"/> (same size) without allocating.</summary>
    public void CopyFrom(Board other)
    {
        if (other.Size != Size) throw new ArgumentException($"cannot copy a {other.Size}x{other.Size} board into a {Size}x{Size} one");
        other._color.CopyTo(_color, 0);
        other._head.CopyTo(_head, 0);
        other._nextStone.CopyTo(_nextStone, 0);
        other._stoneCount.CopyTo(_stoneCount, 0);
        other._libCount.CopyTo(_libCount, 0);
        other._libSum.CopyTo(_libSum, 0);
        other._libSumSquares.CopyTo(_libSumSquares, 0);
        other._chainHash.CopyTo(_chainHash, 0);
        other._empties.CopyTo(_empties, 0);
        other._emptyPosition.CopyTo(_emptyPosition, 0);
        _emptyCount = other._emptyCount;
        Hash = other.Hash;
        ToMove = other.ToMove;
        ConsecutivePasses = other.ConsecutivePasses;
        MoveCount = other.MoveCount;
        MoveCap = other.MoveCap;
        _capturedByBlack = other._capturedByBlack;
        _capturedByWhite = other._capturedByWhite;
        _history.CopyFrom(other._history);
    }

    /// <summary>Gives the move to <paramref name="color"/> without playing (GTP lets either colour move next).</summary>
    public void SetToMove(Color color)
    {
        if (!color.IsStone()) throw new ArgumentException($"only Black or White can be to move, not {color}", nameof(color));
        ToMove = color;
    }

    public Board Clone()
    {
        var clone = new Board(Size, MoveCap);
        clone.CopyFrom(this);
        return clone;
    }

    // ---- coordinates ----------------------------------------------------------------------------------

    public int PointAt(int x, int y) => (y + 1) * Stride + x + 1;
    public int PointOf(Vertex vertex) =>
        vertex.IsPass ? PassMove
        : vertex.IsResign ? throw new ArgumentException("resign is not a point of the board", nameof(vertex))
        : PointAt(vertex.X, vertex.Y);
    public Vertex VertexOf(int point) => point == PassMove ? Vertex.Pass : new Vertex(point % Stride - 1, point / Stride - 1);
    /// <summary>The index y·n + x of a point (A1 = 0) in row-major order, as <see cref="Points"/> and <see cref="GetPosition"/> list it.</summary>
    public int RowMajorIndexOf(int point) => (point / Stride - 1) * Size + point % Stride - 1;

    public Color this[int point] => _color[point];
    public Color this[Vertex vertex] => _color[PointOf(vertex)];
    public bool IsOnBoard(int point) => point > 0 && point < GridLength && _color[point] != Color.Border;

    // ---- legality -------------------------------------------------------------------------------------

    /// <summary>
    /// Whether <paramref name="color"/> may play <paramref name="point"/> now: a pass always; a point only when
    /// empty, not suicide, and not recreating an earlier position (positional superko).
    /// </summary>
    public bool IsLegal(Color color, int point)
    {
        if (point == PassMove) return true;
        if ((uint)point >= (uint)GridLength || _color[point] != Color.Empty) return false;
        return IsLegalOnEmpty(color, point);
    }

    public bool IsLegal(Color color, Vertex vertex) =>
        vertex.IsPass || (vertex.IsOnBoard(Size) && IsLegal(color, PointOf(vertex)));

    /// <summary>Legality of an empty point: the hot path of playouts, so the four neighbours are unrolled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsLegalOnEmpty(Color color, int point)
    {
        var probe = ProbeMove(color, point);
        return probe.HasLiberty && !_history.Contains(probe.NewHash);
    }

    /// <summary>Whether a stone at an empty point would have a liberty (its own or from captures), and the hash it leads to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MoveProbe ProbeMove(Color color, int point)
    {
        var probe = new MoveProbe(Hash ^ Zobrist.Stone(color, point));
        Probe(ref probe, color, point - Stride);
        Probe(ref probe, color, point - 1);
        Probe(ref probe, color, point + 1);
        Probe(ref probe, color, point + Stride);
        return probe;
    }

    /// <summary>What one neighbour contributes to a move: a liberty, a capture (whose stones leave the hash), or nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Probe(ref MoveProbe probe, Color color, int neighbour)
    {
        var c = _color[neighbour];
        if (c == Color.Empty) { probe.HasLiberty = true; return; }
        if (c == Color.Border) return;
        var head = _head[neighbour];
        if (c == color)
        {
            if (!IsInAtari(head)) probe.HasLiberty = true;
        }
        else if (IsInAtari(head) && head != probe.Captured0 && head != probe.Captured1 && head != probe.Captured2)
        {
            probe.NewHash ^= _chainHash[head];
            probe.HasLiberty = true;
            if (probe.Captured0 == 0) probe.Captured0 = head;
            else if (probe.Captured1 == 0) probe.Captured1 = head;
            else probe.Captured2 = head;
        }
    }

    /// <summary>The running state of <see cref="IsLegalOnEmpty"/>; captured chain heads are kept to count each chain once.</summary>
    private struct MoveProbe(ulong newHash)
    {
        public ulong NewHash = newHash;
        public bool HasLiberty;
        public int Captured0, Captured1, Captured2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsInAtari(int head)
    {
        long count = _libCount[head];
        long sum = _libSum[head];
        return count * _libSumSquares[head] == sum * sum;
    }

    /// <summary>All legal moves for <paramref name="color"/> in board order, the pass last.</summary>
    public int LegalMoves(Color color, Span<int> destination)
    {
        var count = 0;
        foreach (var p in _points)
            if (_color[p] == Color.Empty && IsLegalOnEmpty(color, p)) destination[count++] = p;
        destination[count++] = PassMove;
        return count;
    }

    /// <summary>
    /// A point whose four neighbours are <paramref name="color"/> (or the edge) and whose diagonals hold at most
    /// one opponent stone (none on the edge): filling it would only hurt the owner.
    /// </summary>
    public bool IsSinglePointEye(Color color, int point)
    {
        var grid = _color;
        if (grid[point] != Color.Empty) return false;
        var opponent = color.Opponent();
        if (grid[point - Stride] == opponent || grid[point - Stride] == Color.Empty) return false;
        if (grid[point - 1] == opponent || grid[point - 1] == Color.Empty) return false;
        if (grid[point + 1] == opponent || grid[point + 1] == Color.Empty) return false;
        if (grid[point + Stride] == opponent || grid[point + Stride] == Color.Empty) return false;
        var a = grid[point - Stride - 1];
        var b = grid[point - Stride + 1];
        var c = grid[point + Stride - 1];
        var d = grid[point + Stride + 1];
        var opponentDiagonals = (a == opponent ? 1 : 0) + (b == opponent ? 1 : 0) + (c == opponent ? 1 : 0) + (d == opponent ? 1 : 0);
        var edge = a == Color.Border || b == Color.Border || c == Color.Border || d == Color.Border;
        return opponentDiagonals < (edge ? 1 : 2);
    }

    // ---- playing --------------------------------------------------------------------------------------

    /// <summary>Plays a move for <paramref name="color"/> (GTP allows either colour); throws when illegal.</summary>
    public void Play(Color color, int point)
    {
        if (!color.IsStone()) throw new ArgumentException($"only Black or White can play, not {color}", nameof(color));
        if (!IsLegal(color, point)) throw new IllegalMoveException(color, VertexOf(point), WhyIllegal(color, point));
        PlayLegal(color, point);
    }

    public void Play(Color color, Vertex vertex)
    {
        if (!vertex.IsPass && !vertex.IsOnBoard(Size))
            throw new IllegalMoveException(color, vertex, $"off a {Size}x{Size} board");
        Play(color, PointOf(vertex));
    }

    /// <summary>Plays a move already known to be legal (no check). The hot path of playouts.</summary>
    public void PlayLegal(Color color, int point)
    {
        MoveCount++;
        ToMove = color.Opponent();
        if (point == PassMove)
        {
            ConsecutivePasses++;
            return;
        }
        ConsecutivePasses = 0;
        PlaceStone(color, point);
        _history.Add(Hash);
    }

    /// <summary>Says why a move is illegal, or null when it is legal.</summary>
    public string? WhyIllegal(Color color, int point)
    {
        if (point == PassMove) return null;
        if (!IsOnBoard(point)) return $"off a {Size}x{Size} board";
        if (_color[point] != Color.Empty) return "the point is occupied";
        var probe = ProbeMove(color, point);
        if (!probe.HasLiberty) return "suicide";
        return _history.Contains(probe.NewHash) ? "it repeats an earlier position (positional superko)" : null;
    }

    private void PlaceStone(Color color, int point)
    {
        AddStone(color, point);
        MergeIfOwn(color, point, point - Stride);
        MergeIfOwn(color, point, point - 1);
        MergeIfOwn(color, point, point + 1);
        MergeIfOwn(color, point, point + Stride);
        var opponent = color.Opponent();
        CaptureIfDead(opponent, color, point - Stride);
        CaptureIfDead(opponent, color, point - 1);
        CaptureIfDead(opponent, color, point + 1);
        CaptureIfDead(opponent, color, point + Stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MergeIfOwn(Color color, int point, int neighbour)
    {
        if (_color[neighbour] == color && _head[neighbour] != _head[point]) MergeChains(_head[point], _head[neighbour]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CaptureIfDead(Color opponent, Color capturer, int neighbour)
    {
        if (_color[neighbour] == opponent && _libCount[_head[neighbour]] == 0) RemoveChain(_head[neighbour], capturer);
    }

    /// <summary>Puts one stone on the board as a chain of its own and takes the point from its neighbours' liberties.</summary>
    private void AddStone(Color color, int point)
    {
        _color[point] = color;
        var key = Zobrist.Stone(color, point);
        Hash ^= key;
        RemoveEmpty(point);
        _head[point] = (short)point;
        _nextStone[point] = (short)point;
        _stoneCount[point] = 1;
        _chainHash[point] = key;
        _libCount[point] = 0;
        _libSum[point] = 0;
        _libSumSquares[point] = 0;
        TouchNeighbour(point, point - Stride);
        TouchNeighbour(point, point - 1);
        TouchNeighbour(point, point + 1);
        TouchNeighbour(point, point + Stride);
    }

    /// <summary>An empty neighbour is a liberty of the new stone; a stone neighbour loses the new stone's point as one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TouchNeighbour(int point, int neighbour)
    {
        var c = _color[neighbour];
        if (c == Color.Empty) AddLiberty(point, neighbour);
        else if (c != Color.Border) RemoveLiberty(_head[neighbour], point);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddLiberty(int head, int liberty)
    {
        _libCount[head]++;
        _libSum[head] += liberty;
        _libSumSquares[head] += (long)liberty * liberty;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RemoveLiberty(int head, int liberty)
    {
        _libCount[head]--;
        _libSum[head] -= liberty;
        _libSumSquares[head] -= (long)liberty * liberty;
    }

    private void MergeChains(int keep, int absorb)
    {
        if (_stoneCount[keep] < _stoneCount[absorb]) (keep, absorb) = (absorb, keep);
        var stone = absorb;
        do
        {
            _head[stone] = (short)keep;
            stone = _nextStone[stone];
        } while (stone != absorb);
        (_nextStone[keep], _nextStone[absorb]) = (_nextStone[absorb], _nextStone[keep]);
        _stoneCount[keep] += _stoneCount[absorb];
        _libCount[keep] += _libCount[absorb];
        _libSum[keep] += _libSum[absorb];
        _libSumSquares[keep] += _libSumSquares[absorb];
        _chainHash[keep] ^= _chainHash[absorb];
    }

    private void RemoveChain(int head, Color capturer)
    {
        var captured = _stoneCount[head];
        if (capturer == Color.Black) _capturedByBlack += captured; else _capturedByWhite += captured;
        Hash ^= _chainHash[head];
        var stone = head;
        do
        {
            var next = _nextStone[stone];
            _color[stone] = Color.Empty;
            AddEmpty(stone);
            stone = next;
        } while (stone != head);
        // Liberties are given back after all stones are gone, so each neighbouring chain is credited once per adjacency.
        stone = head;
        do
        {
            foreach (var offset in _neighbourOffsets)
            {
                var n = stone + offset;
                if (_color[n].IsStone()) AddLiberty(_head[n], stone);
            }
            stone = _nextStone[stone];
        } while (stone != head);
    }

    private void RemoveEmpty(int point)
    {
        var position = _emptyPosition[point];
        var last = _empties[--_emptyCount];
        _empties[position] = last;
        _emptyPosition[last] = position;
    }

    private void AddEmpty(int point)
    {
        _emptyPosition[point] = (short)_emptyCount;
        _empties[_emptyCount++] = (short)point;
    }

    // ---- setup ----------------------------------------------------------------------------------------

    /// <summary>
    /// Replaces the position by <paramref name="stones"/> (row-major, A1 first, n² entries), as SGF AB/AW/AE do.
    /// The setup position starts a new history: superko looks back only to it. Throws if a chain has no liberty.
    /// </summary>
    public void SetPosition(ReadOnlySpan<Color> stones, Color toMove)
    {
        if (!TrySetPosition(stones, toMove, out var chainWithoutLiberty))
            throw new ArgumentException($"the setup leaves the chain at {VertexOf(chainWithoutLiberty)} without liberties");
    }

    /// <summary>
    /// <see cref="SetPosition"/> that reports a chain without liberties instead of throwing (the board then holds
    /// that illegal position until the next setup or clear). Counting legal positions relies on it being cheap.
    /// </summary>
    public bool TrySetPosition(ReadOnlySpan<Color> stones, Color toMove, out int chainWithoutLiberty)
    {
        if (stones.Length != Size * Size)
            throw new ArgumentException($"a {Size}x{Size} position needs {Size * Size} points, got {stones.Length}");
        var moveCount = MoveCount;
        Clear();
        MoveCount = moveCount;
        ToMove = toMove;
        for (var i = 0; i < stones.Length; i++)
        {
            var color = stones[i];
            if (color == Color.Empty) continue;
            if (!color.IsStone()) throw new ArgumentException($"point {i} holds {color}; only Empty, Black and White are allowed");
            var point = _points[i];
            AddStone(color, point);
            MergeIfOwn(color, point, point - Stride);
            MergeIfOwn(color, point, point - 1);
            MergeIfOwn(color, point, point + 1);
            MergeIfOwn(color, point, point + Stride);
        }
        _history.Clear();
        _history.Add(Hash);
        foreach (var p in _points)
        {
            if (_color[p].IsStone() && _head[p] == p && _libCount[p] == 0)
            {
                chainWithoutLiberty = p;
                return false;
            }
        }
        chainWithoutLiberty = PassMove;
        return true;
    }

    /// <summary>The position row-major from A1, as <see cref="SetPosition"/> takes it.</summary>
    public Color[] GetPosition()
    {
        var stones = new Color[Size * Size];
        for (var i = 0; i < stones.Length; i++) stones[i] = _color[_points[i]];
        return stones;
    }

    // ---- scoring --------------------------------------------------------------------------------------

    /// <summary>
    /// Tromp-Taylor area score, Black minus White, before komi: a player's points are their stones plus the
    /// empty regions that reach only their stones.
    /// </summary>
    public int AreaScore()
    {
        var score = 0;
        Array.Clear(_floodSeen);
        foreach (var p in _points)
        {
            var c = _color[p];
            if (c == Color.Black) score++;
            else if (c == Color.White) score--;
            else if (!_floodSeen[p])
            {
                var (size, owner) = FloodEmptyRegion(p);
                score += owner == Color.Black ? size : owner == Color.White ? -size : 0;
            }
        }
        Array.Clear(_floodSeen);
        return score;
    }

    /// <summary>
    /// The Tromp-Taylor owner of every empty point, index y·n + x as <see cref="GetPosition"/>: the colour whose stones
    /// alone its empty region reaches, <see cref="Color.Empty"/> when it reaches both colours or none. Stones get Empty.
    /// </summary>
    public void EmptyPointOwners(Span<Color> owners)
    {
        if (owners.Length != Size * Size) throw new ArgumentException($"{owners.Length} owners for a {Size}×{Size} board");
        owners.Clear();
        Array.Clear(_floodSeen);
        foreach (var p in _points)
        {
            if (_color[p] != Color.Empty || _floodSeen[p]) continue;
            var (size, owner) = FloodEmptyRegion(p);
            for (var i = 0; i < size; i++) owners[RowMajorIndexOf(_floodStack[i])] = owner;
        }
        Array.Clear(_floodSeen);
    }

    /// <summary>Marks the empty region of <paramref name="start"/> seen; its points are left in _floodStack[0..size).</summary>
    private (int Size, Color Owner) FloodEmptyRegion(int start)
    {
        bool reachesBlack = false, reachesWhite = false;
        int head = 0, tail = 0;
        _floodStack[tail++] = start;
        _floodSeen[start] = true;
        while (head < tail)
        {
            var p = _floodStack[head++];
            foreach (var offset in _neighbourOffsets)
            {
                var n = p + offset;
                switch (_color[n])
                {
                    case Color.Empty when !_floodSeen[n]:
                        _floodSeen[n] = true;
                        _floodStack[tail++] = n;
                        break;
                    case Color.Black: reachesBlack = true; break;
                    case Color.White: reachesWhite = true; break;
                }
            }
        }
        return (tail, reachesBlack == reachesWhite ? Color.Empty : reachesBlack ? Color.Black : Color.White);
    }

    /// <summary>Black's area score minus White's minus komi: positive means Black wins.</summary>
    public double Score(double komi) => AreaScore() - komi;

    /// <summary>A result as SGF and GTP write it: "B+3.5", "W+0.5", "0" for a draw.</summary>
    public static string ResultString(double blackMinusWhite) =>
        blackMinusWhite > 0 ? $"B+{PlainNumber.Format(blackMinusWhite)}"
        : blackMinusWhite < 0 ? $"W+{PlainNumber.Format(-blackMinusWhite)}"
        : "0";

    /// <summary>Rows from the top, as GTP showboard prints them: X black, O white, . empty.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        var letters = Vertex.ColumnLetters;
        text.Append("   ").AppendJoin(' ', letters[..Size].ToCharArray()).Append('\n');
        for (var y = Size - 1; y >= 0; y--)
        {
            text.Append($"{y + 1,2} ");
            for (var x = 0; x < Size; x++)
            {
                text.Append(_color[PointAt(x, y)] switch { Color.Black => 'X', Color.White => 'O', _ => '.' });
                if (x < Size - 1) text.Append(' ');
            }
            text.Append($" {y + 1}\n");
        }
        text.Append("   ").AppendJoin(' ', letters[..Size].ToCharArray());
        return text.ToString();
    }
}

public sealed class IllegalMoveException(Color color, Vertex vertex, string? reason)
    : InvalidOperationException($"{color} {vertex} is illegal: {reason}")
{
    /// <summary>Why, in a few words: "the point is occupied", "suicide", "off a 9x9 board", …</summary>
    public string? Reason { get; } = reason;
}
