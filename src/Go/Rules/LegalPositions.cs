namespace GoSeqZero.Go;

/// <summary>
/// Counts the legal positions of a small board (every chain has a liberty) by trying all 3^(n²) colourings:
/// a check of the board code against OEIS A094777 (1, 57, 12 675, 24 318 165, …).
/// </summary>
public static class LegalPositions
{
    public static long Count(int size, int threads = 1)
    {
        var points = size * size;
        if (points > 16) throw new ArgumentOutOfRangeException(nameof(size), size, "enumeration is only practical up to 4x4");
        // The first points' colours split the work between threads; each thread walks the rest as a base-3 counter.
        var prefixPoints = Math.Min(points, 4);
        var prefixes = (int)Math.Pow(3, prefixPoints);
        long total = 0;
        Parallel.For(0, prefixes, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => 0L, (prefix, _, subtotal) =>
        {
            var board = new Board(size);
            var stones = new Color[points];
            for (int i = 0, rest = prefix; i < prefixPoints; i++, rest /= 3) stones[i] = (Color)(rest % 3);
            while (true)
            {
                if (board.TrySetPosition(stones, Color.Black, out var _)) subtotal++;
                var digit = prefixPoints;
                while (digit < points && stones[digit] == Color.White) stones[digit++] = Color.Empty;
                if (digit == points) return subtotal;
                stones[digit]++;
            }
        }, subtotal => Interlocked.Add(ref total, subtotal));
        return total;
    }
}
