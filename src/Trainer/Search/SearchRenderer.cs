using System.Globalization;
using System.Text;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Sequences;

namespace GoSeqZero.Trainer.Search;

/// <summary>
/// A search step for a person: boards with a value heat map (each legal point shows the win probability for the side
/// to move in percent on a red-to-green background; X and O are stones, · an illegal empty point), one per row of the step.
/// </summary>
internal sealed class SearchRenderer(Vocabulary vocabulary, bool colour)
{
    public string Render(SearchRecord record)
    {
        var text = new StringBuilder();
        var n = record.BoardSize;
        text.AppendLine(CultureInfo.InvariantCulture, $"{record.Mode} step on {n}×{n}, {Side(record.ToMove)} to move");
        text.AppendLine("root estimates (win % for the side to move):");
        AppendBoard(text, record.Board, record.Root, n);
        foreach (var child in record.Children)
        {
            var outcome = child.ResultToken is { } result ? $", game over: {vocabulary.Name(result)}" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"\nchild {MoveName(child.Move, n)} (backup {child.Backup:P0} for {Side(record.ToMove)}{outcome}), {Side(child.ToMove)} to move:");
            if (child.TrueBoard is { } truth)
                text.AppendLine(CultureInfo.InvariantCulture, $"imagined board: {child.Board.Zip(truth).Count(p => p.First == p.Second)} of {n * n} points right");
            AppendBoard(text, child.Board, child.Estimates, n);
        }
        foreach (var rollout in record.Rollouts)
        {
            var mean = rollout.Playouts > 1 ? string.Create(CultureInfo.InvariantCulture, $" (backup {rollout.MeanValue:P0} for {Side(record.ToMove)}, the mean of {rollout.Playouts} playouts)") : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"\nrollout after {MoveName(rollout.Move, n)}: {rollout.Playout.Length} moves, {vocabulary.Name(rollout.ResultToken)}{mean}");
        }
        if (record.Improved is { } improved)
        {
            text.AppendLine("\nimproved estimates (IMPROVED row):");
            AppendBoard(text, record.Board, improved, n);
        }
        // What each player would play here (ModelPlayer): the prior its best legal move, the others their best searched move.
        AppendChoice(text, "prior (root EST row)", record.Root, record.BestPriorMove(vocabulary), n);
        if (record.Improved is not null) AppendChoice(text, "search (IMPROVED row)", record.Improved, record.BestSearchedMove(record.Improved), n);
        if (record.Backup is not null) AppendChoice(text, "backup (computed)", record.Backup, record.BestSearchedMove(record.Backup), n);
        return text.ToString();
    }

    private static void AppendChoice(StringBuilder text, string what, ValueRow row, int move, int n)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{what,-24} plays {MoveName(move, n)} ({row.Values[move]:P1})");
    }

    private void AppendBoard(StringBuilder text, Color[] board, ValueRow? values, int n)
    {
        text.Append("    ");
        for (var x = 0; x < n; x++) text.Append(CultureInfo.InvariantCulture, $" {Vertex.ColumnLetters[x]} ");
        text.AppendLine();
        for (var y = n - 1; y >= 0; y--)
        {
            text.Append(CultureInfo.InvariantCulture, $"{y + 1,3} ");
            for (var x = 0; x < n; x++)
            {
                var move = y * n + x;
                text.Append(Cell(board[move], values, move));
            }
            text.AppendLine();
        }
        if (values is not null) text.AppendLine(CultureInfo.InvariantCulture, $"    pass {Cell(Color.Empty, values, n * n).Trim()}");
    }

    private string Cell(Color stone, ValueRow? values, int move)
    {
        if (stone == Color.Black) return " X ";
        if (stone == Color.White) return " O ";
        if (values is null || !values.IsLegal(move, vocabulary)) return " · ";
        var value = values.Values[move];
        var label = double.IsNaN(value) ? " ? " : value >= 0.995 ? "99+" : (value * 100).ToString("00", CultureInfo.InvariantCulture).PadLeft(3);
        if (!colour || double.IsNaN(value)) return label;
        // 256-colour background from red (0) through yellow to green (1).
        var red = (int)Math.Round(5 * Math.Min(1, 2 * (1 - value)));
        var green = (int)Math.Round(5 * Math.Min(1, 2 * value));
        return $"\u001b[30;48;5;{16 + 36 * red + 6 * green}m{label}\u001b[0m";
    }

    private static string Side(Color color) => color == Color.Black ? "Black" : "White";

    internal static string MoveName(int move, int n) => move < 0 ? "none" : BoardCodec.VertexOf(move, n).ToString();
}
