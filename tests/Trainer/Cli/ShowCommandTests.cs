using GoSeqZero.Tests.Trainer.Search;
using System.Globalization;
using System.Text.RegularExpressions;
using GoSeqZero.Go;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Transformer.Checkpoints;

namespace GoSeqZero.Tests.Trainer.Cli;

/// <summary>The built <c>goseqzero show</c> program as a person runs it: a process, its output and its exit code.</summary>
[Collection("Kernels")]
public sealed class ShowCommandTests : IDisposable
{
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(120);
    private static readonly Regex ChildLine = new(@"^child (\S+) \(backup \d+ % for (Black|White)(, game over: \S+)?\), (Black|White) to move:$", RegexOptions.Multiline);
    private static readonly Regex RawLine = new(@"^\s*(\d+) (\S+)\s+point\s+(\d+)\s+(\w+)$", RegexOptions.Multiline);
    private static readonly Regex TokenCountLine = new(@"^(\d+) tokens, (\d+) written by the model$", RegexOptions.Multiline);
    private const string Columns5 = "     A  B  C  D  E ";

    private readonly string _folder = Directory.CreateTempSubdirectory("goseqzero-show-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs goseqzero.dll (next to this test assembly) on the CPU without colour, plus <paramref name="arguments"/>.</summary>
    private static ProgramRun Show(params string[] arguments)
    {
        var run = GoSeqZeroProcess.Run(ExitBound, ["show", "--device", "cpu", "--color", "never", .. arguments]);
        return run with { Output = run.Output.ReplaceLineEndings("\n") };
    }

    private static (int ExitCode, string Output) ShowSucceeds(params string[] arguments)
    {
        var (exitCode, output, error) = Show(arguments);
        Assert.True(exitCode == 0, $"show {string.Join(' ', arguments)} exited with {exitCode}: {error}");
        return (exitCode, output);
    }

    private static string[] ChildMoves(string output) => ChildLine.Matches(output).Select(m => m.Groups[1].Value).ToArray();

    /// <summary>The rows of the board under the first column header (row 5 down to row 1), without the row labels.</summary>
    private static string[] FirstBoard(string output)
    {
        var lines = output.Split('\n');
        var header = Array.IndexOf(lines, Columns5);
        Assert.True(header >= 0, $"no 5×5 board in:\n{output}");
        return lines[(header + 1)..(header + 6)].Select(line => line[4..]).ToArray();
    }

    private static void AssertThreePlayersPlay(string output, bool withBackup = true)
    {
        const string move = @"plays ([A-E][1-5]|pass) \(\d+\.\d %\)$";
        Assert.Matches(new Regex(@"^prior \(root EST row\) +" + move, RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^search \(IMPROVED row\) +" + move, RegexOptions.Multiline), output);
        if (withBackup) Assert.Matches(new Regex(@"^backup \(computed\) +" + move, RegexOptions.Multiline), output);
        else Assert.DoesNotContain("backup (computed)", output);
    }

    [Fact]
    public void APositionFromMovesShowsItsBoardFourChildrenTheImprovedRowAndTheThreePlayersMoves()
    {
        var (_, output) = ShowSucceeds("--moves", "C3 D3", "--seed", "3");

        Assert.Contains("untrained model (seed 3)", output);
        Assert.Contains("Tree step on 5×5, Black to move\nroot estimates", output);
        var root = FirstBoard(output);
        // Row 3 (the third line from the top of a 5×5 board) holds Black's C3 and White's D3; no other stones.
        Assert.Matches(@"^ +\d+ +\d+ X  O  +\d+$", root[2]);
        Assert.Equal(1, root.Sum(row => row.Count(c => c == 'X')));
        Assert.Equal(1, root.Sum(row => row.Count(c => c == 'O')));
        Assert.All(root, row => Assert.Matches(@"^( +\d+| X | O | · ){5}$", row));

        var children = ChildMoves(output);
        Assert.Equal(4, children.Length);
        Assert.Equal(children.Length, children.Distinct().Count());
        Assert.DoesNotContain("C3", children);
        Assert.DoesNotContain("D3", children);
        Assert.All(ChildLine.Matches(output), m => Assert.Equal(("Black", "White"), (m.Groups[2].Value, m.Groups[4].Value)));
        Assert.Contains("\nimproved estimates (IMPROVED row):\n" + Columns5 + "\n", output);
        // Root, four children and the improved row: six boards, each with a pass value under it.
        Assert.Equal(6, Regex.Matches(output, Regex.Escape(Columns5)).Count);
        Assert.Equal(6, Regex.Matches(output, @"^    pass +\d+$", RegexOptions.Multiline).Count);
        AssertThreePlayersPlay(output);
        var counts = TokenCountLine.Match(output);
        Assert.True(counts.Success, output);
        // Four children with EST rows: 3·25 + 10 + 4·(2·25 + 5) tokens, and PASSED after a pass child's side to move.
        Assert.Equal(children.Contains("pass") ? 306 : 305, int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.DoesNotMatch(RawLine, output);
    }

    [Fact]
    public void AnSgfPositionAtAMoveNumberShowsTheSameStepAsTheSameMoves()
    {
        var sgf = Path.Combine(_folder, "game.sgf");
        File.WriteAllText(sgf, "(;GM[1]FF[4]SZ[5]KM[7.5]RU[Chinese];B[cc];W[dc];B[bd])");

        var (_, fromMoves) = ShowSucceeds("--moves", "C3 D3", "--seed", "4");
        var (_, fromSgf) = ShowSucceeds("--sgf", sgf, "--move-number", "2", "--seed", "4");
        Assert.Equal(fromMoves, fromSgf);

        var (_, wholeGame) = ShowSucceeds("--sgf", sgf, "--seed", "4");
        Assert.Contains("Tree step on 5×5, White to move", wholeGame);
        Assert.Matches(@"^ +\d+ X  +\d+ +\d+ +\d+$", FirstBoard(wholeGame)[3]);   // B2 after the third move
    }

    [Fact]
    public void RawDumpsEveryTokenInOrderWithItsIndexPointIdAndRole()
    {
        var (_, output) = ShowSucceeds("--moves", "C3", "--raw", "--seed", "5");

        var counts = TokenCountLine.Match(output);
        Assert.True(counts.Success, output);
        int tokenCount = int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture), modelCount = int.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture);
        var lines = RawLine.Matches(output[counts.Index..]).ToArray();
        Assert.Equal(tokenCount, lines.Length);
        for (var i = 0; i < lines.Length; i++) Assert.Equal(i.ToString(CultureInfo.InvariantCulture), lines[i].Groups[1].Value);
        Assert.Equal(("BOS", "SIZE_5", "MODE_TREE", "ROOT", "TO_MOVE_W"), (lines[0].Groups[2].Value, lines[1].Groups[2].Value, lines[2].Groups[2].Value, lines[3].Groups[2].Value, lines[4].Groups[2].Value));
        Assert.Equal("EOS", lines[^1].Groups[2].Value);
        var roles = lines.Select(line => Enum.Parse<TokenRole>(line.Groups[4].Value)).ToArray();
        Assert.Equal(modelCount, roles.Count(r => r is TokenRole.RootEstimate or TokenRole.ChildEstimate));
        // The root board: 25 point states with point ids 1..5, 20..24, ... (row-major from A1); C3 is Black.
        var board = lines[5..30];
        Assert.All(board, line => Assert.Matches("^(EMPTY|BLACK|WHITE)$", line.Groups[2].Value));
        Assert.Equal(Vocabulary.EmbeddingPointId(2, 2).ToString(CultureInfo.InvariantCulture), board.Single(line => line.Groups[2].Value == "BLACK").Groups[3].Value);
        Assert.Equal("EST", lines[30].Groups[2].Value);
        Assert.Equal("ILLEGAL", lines[31 + 12].Groups[2].Value);                       // the root EST value of C3, occupied
        Assert.Equal(Vocabulary.PassPointId.ToString(CultureInfo.InvariantCulture), lines[31 + 25].Groups[3].Value);
    }

    [Theory]
    [InlineData("C3 Z9", "'Z9' is not a vertex of a 5×5 board")]
    [InlineData("C3 F1", "'F1' is not a vertex of a 5×5 board")]
    [InlineData("C3 C3", "White C3 is illegal")]
    public void ABadMovesListExitsWithTwoAndSaysWhichMove(string moves, string message)
    {
        var error = Show("--moves", moves).Refusal();
        Assert.StartsWith("show: ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void ASavedCheckpointIsShownAndACorruptOneExitsWithTwoNamingTheBrokenFile()
    {
        var vocabulary = new Vocabulary();
        var checkpoint = Path.Combine(_folder, "checkpoint");
        using (var model = SearchDriverTests.TinyModel(vocabulary, new SearchSettings().MaxTokens(5), seed: 7))
            Checkpoint.Save(checkpoint, model);

        var (_, output) = ShowSucceeds("--checkpoint", checkpoint, "--moves", "C3");
        Assert.DoesNotContain("untrained", output);
        Assert.Equal(4, ChildMoves(output).Length);

        var weights = Path.Combine(checkpoint, Checkpoint.ModelFileName);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var error = Show("--checkpoint", checkpoint, "--moves", "C3").Refusal();
        Assert.StartsWith("show: ", error);
        Assert.Contains(Checkpoint.ModelFileName, error);

        File.WriteAllText(Path.Combine(checkpoint, Checkpoint.ConfigFileName), "{ not json");
        Assert.Contains(Checkpoint.ConfigFileName, Show("--checkpoint", checkpoint).Refusal());
        Assert.Contains("nowhere", Show("--checkpoint", Path.Combine(_folder, "nowhere")).Refusal());
    }

    [Fact]
    public void RolloutModeShowsAPlayoutAndResultForEachSearchedMove()
    {
        var (_, output) = ShowSucceeds("--moves", "C3 D3", "--mode", "rollout", "--top-k", "3", "--playouts", "1");

        Assert.Contains("Rollout step on 5×5, Black to move", output);
        Assert.Empty(ChildMoves(output));
        var rollouts = Regex.Matches(output, @"^rollout after ([A-E][1-5]|pass): (\d+) moves, (B_WINS|W_WINS)$", RegexOptions.Multiline);
        Assert.Equal(3, rollouts.Count);
        Assert.Equal(3, rollouts.Select(m => m.Groups[1].Value).Distinct().Count());
        Assert.All(rollouts, m => Assert.True(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) >= 2, m.Value));
        Assert.Contains("\nimproved estimates (IMPROVED row):\n", output);
        AssertThreePlayersPlay(output);
    }

    [Fact]
    public void TheWholeRawOutputSavedToAFileIsShownAgainFromItsTokens()
    {
        var (_, original) = ShowSucceeds("--moves", "C3 D3 B2", "--raw", "--seed", "6");
        var saved = Path.Combine(_folder, "step.txt");
        File.WriteAllText(saved, original);

        var (_, shown) = ShowSucceeds("--tokens", saved);
        var tokenCount = TokenCountLine.Match(original).Groups[1].Value;
        Assert.StartsWith($"{saved}: {tokenCount} tokens", shown);
        Assert.Contains("Tree step on 5×5, White to move", shown);
        Assert.Equal(ChildMoves(original), ChildMoves(shown));
        // Stones are the same; the values are read back as bucket centres and may round differently.
        Assert.Equal(FirstBoard(original).Select(Stones), FirstBoard(shown).Select(Stones));
        AssertThreePlayersPlay(shown, withBackup: false);
    }

    private static string Stones(string row) => Regex.Replace(row, @"\d+|·", "v");

    [Theory]
    [InlineData(SearchMode.Tree)]
    [InlineData(SearchMode.Rollout)]
    public void TokenIdsWrittenBySearchAreShownAsTheirStep(SearchMode mode)
    {
        var (record, tokens) = WriteStep(mode);
        var saved = Path.Combine(_folder, "ids.txt");
        File.WriteAllText(saved, string.Join(' ', tokens.Take(40)) + "\n" + string.Join('\n', tokens.Skip(40)));

        var (_, shown) = ShowSucceeds("--tokens", saved, "--raw");
        Assert.Contains($"{mode} step on 5×5, Black to move", shown);
        Assert.Equal(record.Children.Select(c => SearchRenderer.MoveName(c.Move, 5)), ChildMoves(shown));
        Assert.Equal(record.Rollouts.Select(r => SearchRenderer.MoveName(r.Move, 5)),
            Regex.Matches(shown, @"^rollout after (\S+):", RegexOptions.Multiline).Select(m => m.Groups[1].Value));
        // --raw adds the parser's dump: one line per token, the last EOS.
        var vocabulary = new Vocabulary();
        Assert.EndsWith(SequenceParser.DescribeToken(tokens.Length - 1, Vocabulary.Eos, Vocabulary.NoPoint, vocabulary) + "\n", shown);
        Assert.Contains("\n" + SequenceParser.DescribeToken(5, Vocabulary.Empty, Vocabulary.EmbeddingPointId(0, 0), vocabulary) + "\n", shown);
    }

    [Fact]
    public void ATruncatedSequenceExitsWithTwoSayingWhereItEndsAndWhatWasExpected()
    {
        var (_, tokens) = WriteStep(SearchMode.Tree);
        // Cut inside the first child's board: marker, move and side to move are there, the points after the 10th are not.
        var firstChild = Array.IndexOf(tokens, Vocabulary.Child);
        var cut = firstChild + 3 + 10;
        var saved = Path.Combine(_folder, "truncated.txt");
        File.WriteAllText(saved, string.Join(' ', tokens[..cut]));

        var error = Show("--tokens", saved).Refusal();
        Assert.Equal($"show: {saved}: not a valid search step: the sequence ends at token {cut}: expected a point state (EMPTY, BLACK or WHITE)", error.TrimEnd());
    }

    [Fact]
    public void AWrongTokenExitsWithTwoNamingItsIndexWhatWasExpectedAndWhatWasFound()
    {
        var (_, tokens) = WriteStep(SearchMode.Tree);
        var vocabulary = new Vocabulary();
        tokens[7] = vocabulary.ValueToken(3);                       // a value where the root board's third point stands
        var saved = Path.Combine(_folder, "wrong.txt");
        File.WriteAllText(saved, string.Join(' ', tokens));

        var error = Show("--tokens", saved).Refusal();
        Assert.Contains("token 7: expected a point state (EMPTY, BLACK or WHITE), found V_3", error);
    }

    [Theory]
    [InlineData("1 3 x 7", "word 3, 'x', is not a token id")]
    [InlineData("   \n", "no tokens")]
    [InlineData("    0 BOS          point   0  Forced\n    2 SIZE_5       point   0  Forced\n", "line 2 holds token 2, but the next token is 1")]
    [InlineData("    0 BOS          point   0  Forced\n    1 SIZE_55      point   0  Forced\n", "line 2: 'SIZE_55' is not a token of the vocabulary")]
    public void AnUnreadableTokenFileExitsWithTwoSayingWhy(string text, string message)
    {
        var saved = Path.Combine(_folder, "bad.txt");
        File.WriteAllText(saved, text);
        var error = Show("--tokens", saved).Refusal();
        Assert.Contains(saved, error);
        Assert.Contains(message, error);
    }

    /// <summary>One search step for C3 D3 on 5×5 by a tiny untrained model, in process: its record and its tokens.</summary>
    private static (SearchRecord Record, int[] Tokens) WriteStep(SearchMode mode)
    {
        var vocabulary = new Vocabulary();
        var settings = new SearchSettings { Mode = mode, TopK = 3 };
        using var model = SearchDriverTests.TinyModel(vocabulary, settings.MaxTokens(5), seed: 11);
        using var driver = new SearchDriver(model, vocabulary, settings, batch: 1, maxBoardSize: 5);
        var root = new Board(5);
        root.Play(Color.Black, root.PointAt(2, 2));
        root.Play(Color.White, root.PointAt(3, 2));
        var writer = driver.Run([root])[0];
        return (writer.Record!, writer.Sequence.Tokens.ToArray());
    }
}
