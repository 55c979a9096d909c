using System.Globalization;
using GoSeqZero.Go;

namespace GoSeqZero.Tests.Go.Rules;

/// <summary>Runs the rules cases kept as data in Data/Rules/rules.txt (its header explains the directives).</summary>
public class RulesDataTests
{
    private static readonly string CasesPath = Path.Combine(AppContext.BaseDirectory, "Data", "Rules", "rules.txt");

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var name in ReadCases().Keys) names.Add(name);
        return names;
    }

    [Fact]
    public void TheFileHoldsEveryKindOfCaseTheRulesNeed()
    {
        var names = string.Join('\n', ReadCases().Keys);
        foreach (var topic in new[] { "single stone", "chain of three", "snapback", "ko", "only positional superko", "suicide", "seki", "dame", "passes", "move cap" })
            Assert.Contains(topic, names);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Case(string name)
    {
        var lines = ReadCases()[name];
        var board = new Board(5);
        double komi = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var (lineNumber, text) = lines[i];
            var where = $"rules.txt:{lineNumber}";
            var colon = text.IndexOf(':');
            Assert.True(colon > 0, $"{where}: expected 'directive: arguments'");
            var directive = text[..colon].Trim();
            var words = text[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (directive)
            {
                case "size":
                    board = new Board(int.Parse(words[0], CultureInfo.InvariantCulture), board.MoveCap);
                    break;
                case "komi":
                    komi = double.Parse(words[0], CultureInfo.InvariantCulture);
                    break;
                case "move-cap":
                    board.MoveCap = int.Parse(words[0], CultureInfo.InvariantCulture);
                    break;
                case "board":
                    board.SetPosition(ReadRows(lines, ref i, board.Size), Color.Black);
                    break;
                case "to-move":
                    board.SetPosition(board.GetPosition(), ParseColor(words[0]));
                    break;
                case "play":
                    foreach (var (color, vertex) in Pairs(words, board.Size))
                    {
                        var why = board.WhyIllegal(color, board.PointOf(vertex));
                        Assert.True(why is null, $"{where}: {color} {vertex} should be legal but is not: {why}");
                        board.Play(color, vertex);
                    }
                    break;
                case "legal":
                    foreach (var (color, vertex) in Pairs(words, board.Size))
                        Assert.True(board.IsLegal(color, vertex), $"{where}: {color} {vertex} should be legal: {board.WhyIllegal(color, board.PointOf(vertex))}");
                    break;
                case "illegal":
                {
                    var color = ParseColor(words[0]);
                    var vertex = Vertex.Parse(words[1], board.Size);
                    Assert.False(board.IsLegal(color, vertex), $"{where}: {color} {vertex} should be illegal");
                    var why = board.WhyIllegal(color, board.PointOf(vertex));
                    Assert.True(why is not null && why.Contains(words[2], StringComparison.Ordinal), $"{where}: expected reason '{words[2]}', got '{why}'");
                    break;
                }
                case "expect-board":
                {
                    var expected = ReadRows(lines, ref i, board.Size);
                    Assert.True(expected.SequenceEqual(board.GetPosition()), $"{where}: expected\n{Render(expected, board.Size)}\ngot\n{board}");
                    break;
                }
                case "captures":
                    Assert.Equal(int.Parse(words[1], CultureInfo.InvariantCulture), board.CapturedBy(Color.Black));
                    Assert.Equal(int.Parse(words[3], CultureInfo.InvariantCulture), board.CapturedBy(Color.White));
                    break;
                case "result":
                    Assert.Equal(words[0], Board.ResultString(board.Score(komi)));
                    break;
                case "over":
                    Assert.Equal(words[0] == "yes", board.IsGameOver);
                    break;
                default:
                    Assert.Fail($"{where}: unknown directive '{directive}'");
                    break;
            }
        }
    }

    private static Dictionary<string, List<(int Line, string Text)>> ReadCases()
    {
        var cases = new Dictionary<string, List<(int, string)>>();
        List<(int, string)>? current = null;
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(CasesPath))
        {
            lineNumber++;
            var text = raw.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            if (text.StartsWith("case:", StringComparison.Ordinal))
            {
                current = [];
                cases.Add(text["case:".Length..].Trim(), current);
            }
            else
            {
                Assert.True(current is not null, $"rules.txt:{lineNumber}: a directive before the first case");
                current!.Add((lineNumber, text));
            }
        }
        return cases;
    }

    /// <summary>Reads the next <paramref name="size"/> rows (top row first) into a row-major array from A1.</summary>
    private static Color[] ReadRows(List<(int Line, string Text)> lines, ref int index, int size)
    {
        var stones = new Color[size * size];
        for (var row = size - 1; row >= 0; row--)
        {
            var (lineNumber, text) = lines[++index];
            var cells = text.Replace(" ", "", StringComparison.Ordinal);
            Assert.True(cells.Length == size, $"rules.txt:{lineNumber}: expected {size} points in a row, got '{text}'");
            for (var x = 0; x < size; x++)
                stones[row * size + x] = cells[x] switch
                {
                    'X' => Color.Black,
                    'O' => Color.White,
                    '.' => Color.Empty,
                    var other => throw new FormatException($"rules.txt:{lineNumber}: '{other}' is not X, O or ."),
                };
        }
        return stones;
    }

    private static IEnumerable<(Color, Vertex)> Pairs(string[] words, int size)
    {
        for (var i = 0; i + 1 < words.Length; i += 2)
            yield return (ParseColor(words[i]), Vertex.Parse(words[i + 1], size));
    }

    private static Color ParseColor(string text) =>
        ColorExtensions.TryParse(text, out var color) ? color : throw new FormatException($"'{text}' is not a colour");

    private static string Render(Color[] stones, int size)
    {
        var board = new Board(size);
        board.SetPosition(stones, Color.Black);
        return board.ToString();
    }
}
