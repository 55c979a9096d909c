using System.Globalization;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>One game between two players, from the first player's side: 1 a win, 0.5 a draw, 0 a loss.</summary>
internal readonly record struct GameOutcome(string First, string Second, double FirstScore);

/// <summary>The player whose rating is fixed, and at what: "random=0", "gnugo:10=1950".</summary>
internal sealed record Anchor(string Player, double Rating)
{
    public static Anchor Parse(string text)
    {
        // The rating follows the last '=', so player specs that themselves contain '=' still parse.
        var split = text.LastIndexOf('=');
        // Normalized as match results key players, so " GNUGO:10=1950" names gnugo:10.
        var player = split < 0 ? "" : PlayerSpec.Normalize(text[..split]);
        if (player.Length == 0 || !double.TryParse(text.AsSpan(split + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var rating)
            || !double.IsFinite(rating))
            throw new FormatException($"anchor '{text}' is not PLAYER=RATING (e.g. \"random=0\" or \"gnugo:10=1950\")");
        return new Anchor(player, rating);
    }

    public override string ToString() => $"{Player}={Rating.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>A player's fitted rating and its standard error (relative to the anchor, whose error is 0).</summary>
internal sealed record PlayerRating(string Player, int Games, double Score, double Rating, double StandardError)
{
    public double Interval95 => Elo.Z95 * StandardError;
}

/// <summary>
/// The ratings of all players, best first. <see cref="PriorAdded"/> says whether one virtual draw against the
/// anchor was added for every other player because the games alone have no finite maximum.
/// </summary>
internal sealed record LadderRatings(IReadOnlyList<PlayerRating> Players, Anchor Anchor, bool PriorAdded, int GamesUsed, int SelfPlayGamesSkipped);

/// <summary>
/// Maximum-likelihood Bradley-Terry ratings on the Elo scale: P(i beats j) = 1 / (1 + 10^((r_j − r_i)/400)),
/// a draw counted as half a win and half a loss. Solved by Newton's method with a backtracking line search (the
/// log-likelihood is concave), with the anchor held fixed; standard errors come from the inverse of the
/// negative Hessian at the maximum, so they are errors of each rating's difference to the anchor.
/// <para>
/// The maximum is finite only when the "scored against" graph is strongly connected (no group of players that
/// won, or lost, every game it played against the rest). When it is not, one virtual draw between the anchor
/// and every other player is added — a weak prior that pulls ratings towards the anchor's — and the result
/// says so.
/// </para>
/// </summary>
internal static class Ladder
{
    private const int MaxIterations = 200;
    private const double Tolerance = 1e-10;

    public static LadderRatings Fit(IEnumerable<GameOutcome> games, Anchor anchor)
    {
        var names = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        int IndexOf(string name)
        {
            if (index.TryGetValue(name, out var i)) return i;
            index[name] = names.Count;
            names.Add(name);
            return names.Count - 1;
        }

        var pairs = new Dictionary<(int, int), (double Games, double FirstScore)>();
        var selfPlay = 0;
        var used = 0;
        foreach (var game in games)
        {
            if (game.FirstScore is not (0 or 0.5 or 1))
                throw new ArgumentException($"a game score is 0, 0.5 or 1, not {game.FirstScore} ({game.First} vs {game.Second})");
            // A player against itself tells nothing about its strength.
            if (game.First == game.Second) { selfPlay++; continue; }
            var first = IndexOf(game.First);
            var second = IndexOf(game.Second);
            var key = first < second ? (first, second) : (second, first);
            var score = first < second ? game.FirstScore : 1 - game.FirstScore;
            pairs.TryGetValue(key, out var sum);
            pairs[key] = (sum.Games + 1, sum.FirstScore + score);
            used++;
        }

        if (!index.TryGetValue(anchor.Player, out var anchorIndex))
            throw new ArgumentException(
                $"anchor player '{anchor.Player}' played no game against another player; players found: "
                + (names.Count == 0 ? "none" : string.Join(", ", names.Select(n => $"'{n}'"))));

        var playerCount = names.Count;
        var gamesPlayed = new int[playerCount];
        var scores = new double[playerCount];
        foreach (var ((a, b), (count, scoreA)) in pairs)
        {
            gamesPlayed[a] += (int)count;
            gamesPlayed[b] += (int)count;
            scores[a] += scoreA;
            scores[b] += count - scoreA;
        }

        var priorAdded = !IsStronglyConnected(playerCount, pairs);
        if (priorAdded)
        {
            for (var player = 0; player < playerCount; player++)
            {
                if (player == anchorIndex) continue;
                var key = player < anchorIndex ? (player, anchorIndex) : (anchorIndex, player);
                pairs.TryGetValue(key, out var sum);
                pairs[key] = (sum.Games + 1, sum.FirstScore + 0.5);
            }
        }

        var pairList = pairs.Select(p => (A: p.Key.Item1, B: p.Key.Item2, p.Value.Games, Score: p.Value.FirstScore)).ToArray();
        var (ratings, covariance) = Maximize(playerCount, anchorIndex, pairList);

        var result = new PlayerRating[playerCount];
        for (var player = 0; player < playerCount; player++)
        {
            var free = FreeIndex(player, anchorIndex);
            var standardError = free < 0 ? 0 : Math.Sqrt(covariance[free, free]) * Elo.PointsPerNaturalUnit;
            result[player] = new PlayerRating(names[player], gamesPlayed[player], scores[player],
                anchor.Rating + ratings[player] * Elo.PointsPerNaturalUnit, standardError);
        }
        return new LadderRatings(result.OrderByDescending(r => r.Rating).ThenBy(r => r.Player, StringComparer.Ordinal).ToArray(),
            anchor, priorAdded, used, selfPlay);
    }

    /// <summary>Index among the free (non-anchor) ratings, or −1 for the anchor itself.</summary>
    private static int FreeIndex(int player, int anchorIndex) => player == anchorIndex ? -1 : player < anchorIndex ? player : player - 1;

    /// <summary>Every player reaches every other along "scored at least half a point against" edges.</summary>
    private static bool IsStronglyConnected(int playerCount, Dictionary<(int, int), (double Games, double FirstScore)> pairs)
    {
        var forward = new List<int>[playerCount];
        var backward = new List<int>[playerCount];
        for (var i = 0; i < playerCount; i++) { forward[i] = []; backward[i] = []; }
        foreach (var ((a, b), (count, scoreA)) in pairs)
        {
            if (scoreA > 0) { forward[a].Add(b); backward[b].Add(a); }
            if (count - scoreA > 0) { forward[b].Add(a); backward[a].Add(b); }
        }
        return ReachesAll(forward) && ReachesAll(backward);
    }

    private static bool ReachesAll(List<int>[] edges)
    {
        var seen = new bool[edges.Length];
        var stack = new Stack<int>();
        stack.Push(0);
        seen[0] = true;
        var count = 1;
        while (stack.Count > 0)
        {
            foreach (var next in edges[stack.Pop()])
            {
                if (seen[next]) continue;
                seen[next] = true;
                count++;
                stack.Push(next);
            }
        }
        return count == edges.Length;
    }

    /// <summary>
    /// Ratings in natural-log units (anchor at 0) at the maximum likelihood, and the covariance of the free ones
    /// (the inverse of the negative Hessian).
    /// </summary>
    private static (double[] Ratings, double[,] Covariance) Maximize(
        int playerCount, int anchorIndex, (int A, int B, double Games, double Score)[] pairs)
    {
        var ratings = new double[playerCount];
        var freeCount = playerCount - 1;
        var gradient = new double[freeCount];
        var negativeHessian = new double[freeCount, freeCount];
        var step = new double[freeCount];
        var candidate = new double[playerCount];

        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            Derivatives(ratings, anchorIndex, pairs, gradient, negativeHessian);
            var factor = Cholesky(negativeHessian);
            SolveCholesky(factor, gradient, step);
            var largestStep = step.Length == 0 ? 0 : step.Max(Math.Abs);
            if (largestStep < Tolerance) break;

            var current = LogLikelihood(ratings, pairs);
            for (var scale = 1.0; scale > 1e-12; scale /= 2)
            {
                for (var player = 0; player < playerCount; player++)
                {
                    var free = FreeIndex(player, anchorIndex);
                    candidate[player] = free < 0 ? 0 : ratings[player] + scale * step[free];
                }
                if (LogLikelihood(candidate, pairs) >= current) break;
            }
            Array.Copy(candidate, ratings, playerCount);
        }

        Derivatives(ratings, anchorIndex, pairs, gradient, negativeHessian);
        return (ratings, InverseFromCholesky(Cholesky(negativeHessian)));
    }

    private static double LogLikelihood(double[] ratings, (int A, int B, double Games, double Score)[] pairs)
    {
        var sum = 0.0;
        foreach (var (a, b, games, score) in pairs)
        {
            var difference = ratings[a] - ratings[b];
            // log σ(x) = −log(1 + e^−x), written to stay finite for large |x|.
            sum -= score * Softplus(-difference) + (games - score) * Softplus(difference);
        }
        return sum;
    }

    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    private static void Derivatives(double[] ratings, int anchorIndex, (int A, int B, double Games, double Score)[] pairs,
        double[] gradient, double[,] negativeHessian)
    {
        Array.Clear(gradient);
        Array.Clear(negativeHessian);
        foreach (var (a, b, games, score) in pairs)
        {
            var expected = 1 / (1 + Math.Exp(ratings[b] - ratings[a]));
            var residual = score - games * expected;
            var information = games * expected * (1 - expected);
            var freeA = FreeIndex(a, anchorIndex);
            var freeB = FreeIndex(b, anchorIndex);
            if (freeA >= 0) { gradient[freeA] += residual; negativeHessian[freeA, freeA] += information; }
            if (freeB >= 0) { gradient[freeB] -= residual; negativeHessian[freeB, freeB] += information; }
            if (freeA >= 0 && freeB >= 0)
            {
                negativeHessian[freeA, freeB] -= information;
                negativeHessian[freeB, freeA] -= information;
            }
        }
    }

    /// <summary>Lower-triangular L with L·Lᵀ = <paramref name="matrix"/> (symmetric positive definite).</summary>
    private static double[,] Cholesky(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var lower = new double[n, n];
        for (var row = 0; row < n; row++)
        {
            for (var column = 0; column <= row; column++)
            {
                var sum = matrix[row, column];
                for (var k = 0; k < column; k++) sum -= lower[row, k] * lower[column, k];
                if (row == column)
                {
                    if (!(sum > 0))
                        throw new InvalidOperationException("the rating information matrix is singular: some player is not connected to the anchor by games");
                    lower[row, row] = Math.Sqrt(sum);
                }
                else
                {
                    lower[row, column] = sum / lower[column, column];
                }
            }
        }
        return lower;
    }

    private static void SolveCholesky(double[,] lower, double[] rightHandSide, double[] solution)
    {
        var n = rightHandSide.Length;
        for (var row = 0; row < n; row++)
        {
            var sum = rightHandSide[row];
            for (var k = 0; k < row; k++) sum -= lower[row, k] * solution[k];
            solution[row] = sum / lower[row, row];
        }
        for (var row = n - 1; row >= 0; row--)
        {
            var sum = solution[row];
            for (var k = row + 1; k < n; k++) sum -= lower[k, row] * solution[k];
            solution[row] = sum / lower[row, row];
        }
    }

    private static double[,] InverseFromCholesky(double[,] lower)
    {
        var n = lower.GetLength(0);
        var inverse = new double[n, n];
        var unit = new double[n];
        var column = new double[n];
        for (var j = 0; j < n; j++)
        {
            Array.Clear(unit);
            unit[j] = 1;
            SolveCholesky(lower, unit, column);
            for (var i = 0; i < n; i++) inverse[i, j] = column[i];
        }
        return inverse;
    }
}
