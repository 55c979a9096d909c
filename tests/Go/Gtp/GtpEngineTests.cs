using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Tests.Go.Gtp;

/// <summary>The GTP engine in-process: each command's reply and its errors, ids, preprocessing, robustness.</summary>
public class GtpEngineTests
{
    /// <summary>Answers genmove from a fixed list, or throws when told to; records the games it was asked about.</summary>
    private sealed class ScriptedPlayer(params Vertex[] moves) : IPlayer
    {
        private int _next;
        public Exception? Failure { get; init; }
        public string Name => "scripted";
        public PlayerKind Kind => PlayerKind.Program;
        public PlayoutBudget? Playouts => null;
        public int Calls { get; private set; }

        public Vertex GenMove(Game game, Color color, CancellationToken cancellation)
        {
            Calls++;
            if (Failure is not null) throw Failure;
            return moves[_next++];
        }

        public void Dispose()
        {
        }
    }

    private static GtpEngine NewEngine(IPlayer? player = null, int size = 19, double komi = 7.5) =>
        new(player ?? new ScriptedPlayer(), size, komi);

    /// <summary>Feeds <paramref name="input"/> to the engine and returns everything it wrote.</summary>
    private static string Converse(GtpEngine engine, string input)
    {
        var output = new StringWriter();
        engine.Run(new StringReader(input), output);
        return output.ToString();
    }

    /// <summary>The responses of a conversation, each without its closing empty line.</summary>
    private static string[] Responses(GtpEngine engine, string input)
    {
        var output = Converse(engine, input);
        Assert.EndsWith("\n\n", output);
        return output[..^2].Split("\n\n");
    }

    private static string Single(GtpEngine engine, string command) => Assert.Single(Responses(engine, command + "\n"));

    // ---- administrative commands ----------------------------------------------------------------------------

    [Fact]
    public void ProtocolVersionIsTwo() => Assert.Equal("= 2\n\n", Converse(NewEngine(), "protocol_version\n"));

    [Fact]
    public void NameIsGoSeqZeroAndVersionNamesThePlayer()
    {
        var engine = NewEngine();
        Assert.Equal("= GoSeqZero", Single(engine, "name"));
        Assert.Matches(@"^= \d+\.\d+\.\d+ \(player scripted\)$", Single(engine, "version"));
    }

    [Fact]
    public void KnownCommandSaysTrueForEveryListedCommandAndFalseOtherwise()
    {
        var engine = NewEngine();
        var listed = Single(engine, "list_commands")[2..].Split('\n');
        string[] required =
        [
            "protocol_version", "name", "version", "known_command", "list_commands", "quit", "boardsize", "clear_board",
            "komi", "play", "genmove", "undo", "showboard", "final_score", "time_settings", "time_left", "loadsgf",
            "printsgf", "all_legal", "is_legal", "list_stones", "captures",
        ];
        Assert.Equal(required.Order(), listed.Order());
        foreach (var command in listed) Assert.Equal("= true", Single(engine, $"known_command {command}"));
        Assert.Equal("= false", Single(engine, "known_command fly"));
        Assert.Equal("= false", Single(engine, "known_command PLAY"));
        Assert.StartsWith("? syntax error", Single(engine, "known_command"));
    }

    [Fact]
    public void QuitAnswersAndStopsReading()
    {
        var engine = NewEngine();
        Assert.Equal("= \n\n", Converse(engine, "quit\nname\n"));
        Assert.Equal("=4 \n\n", Converse(NewEngine(), "4 quit\nname\n"));
    }

    [Fact]
    public void TheEndOfTheInputEndsTheLoopWithoutQuit() =>
        Assert.Equal("= GoSeqZero\n\n= GoSeqZero\n\n", Converse(NewEngine(), "name\nname"));

    [Fact]
    public void UnknownCommandIsAnErrorAndTheLoopGoesOn() =>
        Assert.Equal(["? unknown command", "= 2"], Responses(NewEngine(), "fly away\nprotocol_version\n"));

    // ---- setup ----------------------------------------------------------------------------------------------

    [Fact]
    public void BoardSizeStartsAFreshGameAndKeepsTheKomi()
    {
        var engine = NewEngine(komi: 7.5);
        Assert.Equal(["= ", "= ", "= "], Responses(engine, "komi 5.5\nplay b D4\nboardsize 9\n"));
        Assert.Equal(9, engine.Game.Size);
        Assert.Empty(engine.Game.Moves);
        Assert.Equal(81, engine.Game.Board.EmptyCount);
        Assert.Equal(5.5, engine.Game.Komi);
    }

    [Theory]
    [InlineData("boardsize 1")]
    [InlineData("boardsize 0")]
    [InlineData("boardsize 20")]
    [InlineData("boardsize -9")]
    public void BoardSizeOutsideTwoToNineteenIsUnacceptable(string command)
    {
        var engine = NewEngine(size: 9);
        Assert.Equal("? unacceptable size", Single(engine, command));
        Assert.Equal(9, engine.Game.Size);
    }

    [Fact]
    public void BoardSizeAcceptsTheSmallestAndLargestSizes()
    {
        var engine = NewEngine(size: 9);
        Assert.Equal(["= ", "= "], Responses(engine, "boardsize 2\nboardsize 19\n"));
        Assert.Equal(19, engine.Game.Size);
    }

    [Theory]
    [InlineData("boardsize nine", "? syntax error: the board size must be an integer, got 'nine'")]
    [InlineData("boardsize", "? syntax error: usage is 'boardsize SIZE', got 0 arguments")]
    [InlineData("boardsize 9 9", "? syntax error: usage is 'boardsize SIZE', got 2 arguments")]
    [InlineData("komi seven", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got 'seven'")]
    [InlineData("komi 7,5", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got '7,5'")]
    [InlineData("komi NaN", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got 'NaN'")]
    [InlineData("komi Infinity", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got 'Infinity'")]
    [InlineData("komi 1e308", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got '1e308'")]
    [InlineData("komi 1000.5", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got '1000.5'")]
    [InlineData("komi -1001", "? syntax error: komi must be a number between -1000 and 1000 such as 7.5, got '-1001'")]
    [InlineData("komi", "? syntax error: usage is 'komi NUMBER', got 0 arguments")]
    [InlineData("time_settings 300 30", "? syntax error: usage is 'time_settings MAIN_TIME BYO_YOMI_TIME BYO_YOMI_STONES', got 2 arguments")]
    [InlineData("time_settings 300 30 x", "? syntax error: the byo-yomi stones must be an integer, got 'x'")]
    [InlineData("time_settings -1 30 5", "? syntax error: the main time must not be negative, got -1")]
    [InlineData("time_left b 10", "? syntax error: usage is 'time_left COLOR SECONDS STONES', got 2 arguments")]
    [InlineData("time_left red 10 0", "? syntax error: 'red' is not a colour (b, w, black or white)")]
    [InlineData("time_left b ten 0", "? syntax error: the time left must be an integer, got 'ten'")]
    [InlineData("play b Z9", "? syntax error: 'Z9' is not a vertex of a 9x9 board (A1..J9 or pass)")]
    [InlineData("play b I5", "? syntax error: 'I5' is not a vertex of a 9x9 board (A1..J9 or pass)")]
    [InlineData("play b A10", "? syntax error: 'A10' is not a vertex of a 9x9 board (A1..J9 or pass)")]
    [InlineData("play b A0", "? syntax error: 'A0' is not a vertex of a 9x9 board (A1..J9 or pass)")]
    [InlineData("play b resign", "? syntax error: 'resign' is not a vertex of a 9x9 board (A1..J9 or pass)")]
    [InlineData("play x D4", "? syntax error: 'x' is not a colour (b, w, black or white)")]
    [InlineData("play b", "? syntax error: usage is 'play COLOR VERTEX', got 1 argument")]
    [InlineData("play", "? syntax error: usage is 'play COLOR VERTEX', got 0 arguments")]
    [InlineData("play b D4 E5", "? syntax error: usage is 'play COLOR VERTEX', got 3 arguments")]
    [InlineData("loadsgf", "? syntax error: usage is 'loadsgf FILE [MOVE_NUMBER|VERTEX]', got 0 arguments")]
    [InlineData("loadsgf {0} 0", "? syntax error: moves are numbered from 1, got 0")]
    [InlineData("loadsgf {0} -2", "? syntax error: moves are numbered from 1, got -2")]
    [InlineData("loadsgf {0} F6", "? syntax error: 'F6' is neither a move number nor a point of the file's 5x5 board")]
    [InlineData("loadsgf {0} 3 4", "? syntax error: usage is 'loadsgf FILE [MOVE_NUMBER|VERTEX]', got 3 arguments")]
    public void ACommandWithABadArgumentIsASyntaxErrorAndChangesNothing(string command, string reply)
    {
        var engine = NewEngine(size: 9);
        Converse(engine, "play b E5\n");
        var before = State(engine);
        // {0} in a loadsgf command stands for a 5x5 file of a setup and six moves.
        Assert.Equal(reply, Single(engine, string.Format(command, SetupAndSixMoves)));
        Assert.Equal(before, State(engine));
    }

    /// <summary>What a command may change: the size, komi and moves of the game, and the time settings.</summary>
    private static (int Size, double Komi, int Moves, TimeControl? Time, TimeLeft? Black, TimeLeft? White) State(GtpEngine engine) =>
        (engine.Game.Size, engine.Game.Komi, engine.Game.Moves.Count, engine.TimeControl, engine.TimeLeftFor(Color.Black), engine.TimeLeftFor(Color.White));

    [Fact]
    public void ClearBoardEmptiesTheBoardAndKeepsSizeAndKomi()
    {
        var engine = NewEngine(size: 9, komi: 0.5);
        Assert.Equal(["= ", "= ", "= "], Responses(engine, "play b E5\nplay w C3\nclear_board\n"));
        Assert.Equal(81, engine.Game.Board.EmptyCount);
        Assert.Empty(engine.Game.Moves);
        Assert.Equal(Color.Black, engine.Game.ToMove);
        Assert.Equal((9, 0.5), (engine.Game.Size, engine.Game.Komi));
    }

    [Fact]
    public void KomiSetsTheGamesKomi()
    {
        var engine = NewEngine();
        Assert.Equal("= ", Single(engine, "komi -3.5"));
        Assert.Equal(-3.5, engine.Game.Komi);
        Assert.Equal("= ", Single(engine, "komi 0"));
        Assert.Equal(0, engine.Game.Komi);
        Assert.Equal("= ", Single(engine, "komi 1000"));
        Assert.Equal(1000, engine.Game.Komi);
        Assert.Equal("= ", Single(engine, "komi -1000"));
        Assert.Equal(-1000, engine.Game.Komi);
    }

    [Theory]
    [InlineData(1000.5)]
    [InlineData(-1e308)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void AnEngineCannotStartWithAKomiBeyondAThousand(double komi) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NewEngine(komi: komi));

    [Fact]
    public void TimeSettingsAndTimeLeftAreStored()
    {
        var engine = NewEngine();
        Assert.Null(engine.TimeControl);
        Assert.Null(engine.TimeLeftFor(Color.Black));
        Assert.Equal(["= ", "= ", "= "], Responses(engine, "time_settings 300 30 5\ntime_left b 120 0\ntime_left white 25 3\n"));
        Assert.Equal(new TimeControl(300, 30, 5), engine.TimeControl);
        Assert.False(engine.TimeControl!.IsUnlimited);
        Assert.Equal(new TimeLeft(120, 0), engine.TimeLeftFor(Color.Black));
        Assert.Equal(new TimeLeft(25, 3), engine.TimeLeftFor(Color.White));
        Assert.Equal("= ", Single(engine, "time_settings 0 1 0"));
        Assert.True(engine.TimeControl!.IsUnlimited);
    }

    // ---- play, genmove, undo --------------------------------------------------------------------------------

    [Fact]
    public void PlayPutsTheStoneForEitherColourInAnyCase()
    {
        var engine = NewEngine(size: 9);
        Assert.Equal(["= ", "= ", "= ", "= "], Responses(engine, "play black d4\nplay B E5\nplay w J9\nplay WHITE pass\n"));
        Assert.Equal(Color.Black, engine.Game.Board[new Vertex(3, 3)]);
        Assert.Equal(Color.Black, engine.Game.Board[new Vertex(4, 4)]);
        Assert.Equal(Color.White, engine.Game.Board[new Vertex(8, 8)]);
        Assert.Equal(
            [new Move(Color.Black, new Vertex(3, 3)), new Move(Color.Black, new Vertex(4, 4)), new Move(Color.White, new Vertex(8, 8)), new Move(Color.White, Vertex.Pass)],
            engine.Game.Moves);
    }

    [Fact]
    public void PlayOnAnOccupiedPointIsAnIllegalMove()
    {
        var engine = NewEngine(size: 9);
        Assert.Equal(["= ", "? illegal move"], Responses(engine, "play b C3\nplay w C3\n"));
        Assert.Single(engine.Game.Moves);
    }

    [Fact]
    public void PlayOfSuicideIsAnIllegalMove()
    {
        var engine = NewEngine(size: 5);
        Assert.Equal(["= ", "= ", "? illegal move"], Responses(engine, "play b A2\nplay b B1\nplay w A1\n"));
        Assert.Equal(Color.Empty, engine.Game.Board[new Vertex(0, 0)]);
    }

    [Fact]
    public void PlayOfAnImmediateKoRecaptureIsAnIllegalMove()
    {
        var engine = NewEngine(size: 5);
        Assert.All(Responses(engine, string.Join('\n', KoSetup) + "\n"), reply => Assert.Equal("= ", reply));
        Assert.Equal("? illegal move", Single(engine, "play w C3"));
        Assert.Equal(["= ", "= ", "= "], Responses(engine, "play w A5\nplay b B5\nplay w C3\n"));
        Assert.Equal(Color.Empty, engine.Game.Board[new Vertex(3, 2)]);
    }

    /// <summary>A 5×5 ko: Black's D3 has just taken White's C3, so White may not take back at C3 at once.</summary>
    internal static readonly string[] KoSetup =
    [
        "play b C4", "play w D4", "play b B3", "play w E3", "play b C2", "play w D2", "play b A1", "play w C3", "play b D3",
    ];

    [Fact]
    public void GenMovePlaysAndAnswersThePlayersMove()
    {
        var player = new ScriptedPlayer(new Vertex(3, 3), Vertex.Pass);
        var engine = NewEngine(player, size: 9);
        Assert.Equal(["= D4", "= pass"], Responses(engine, "genmove b\ngenmove white\n"));
        Assert.Equal([new Move(Color.Black, new Vertex(3, 3)), new Move(Color.White, Vertex.Pass)], engine.Game.Moves);
    }

    [Fact]
    public void GenMoveAnswersResignWithoutPlaying()
    {
        var engine = NewEngine(new ScriptedPlayer(Vertex.Resign), size: 9);
        Assert.Equal("= resign", Single(engine, "genmove w"));
        Assert.Empty(engine.Game.Moves);
    }

    [Fact]
    public void GenMoveReportsAPlayerThatThrowsAndTheLoopGoesOn()
    {
        var player = new ScriptedPlayer { Failure = new InvalidOperationException("the network is on fire") };
        var log = new StringWriter();
        var engine = new GtpEngine(player, 9, 7.5, log: log);
        Assert.Equal(["? the network is on fire", "= GoSeqZero"], Responses(engine, "genmove b\nname\n"));
        Assert.Empty(engine.Game.Moves);
        Assert.Contains("the network is on fire", log.ToString());
    }

    [Fact]
    public void GenMoveRefusesAnIllegalMoveFromThePlayer()
    {
        var engine = NewEngine(new ScriptedPlayer(new Vertex(2, 2)), size: 9);
        Assert.Equal("= ", Single(engine, "play w C3"));
        Assert.Equal("? player scripted chose an illegal move: Black C3 is illegal: the point is occupied", Single(engine, "genmove b"));
        Assert.Single(engine.Game.Moves);
    }

    [Fact]
    public void GenMoveWithABadColourDoesNotAskThePlayer()
    {
        var player = new ScriptedPlayer(new Vertex(2, 2));
        var engine = NewEngine(player);
        Assert.Equal("? syntax error: 'green' is not a colour (b, w, black or white)", Single(engine, "genmove green"));
        Assert.Equal("? syntax error: usage is 'genmove COLOR', got 0 arguments", Single(engine, "genmove"));
        Assert.Equal(0, player.Calls);
    }

    [Fact]
    public void GenMoveWithTheRandomPlayerPlaysALegalMove()
    {
        var engine = NewEngine(new RandomPlayer(7), size: 5);
        for (var i = 0; i < 20; i++)
        {
            var reply = Single(engine, i % 2 == 0 ? "genmove b" : "genmove w");
            Assert.Matches("^= ([A-E][1-5]|pass)$", reply);
        }
        Assert.Equal(20, engine.Game.Moves.Count);
    }

    [Fact]
    public void UndoTakesBackTheLastMoveWithItsCaptures()
    {
        var engine = NewEngine(size: 5);
        Assert.All(Responses(engine, "play b A2\nplay w A1\nplay b B1\n"), reply => Assert.Equal("= ", reply));
        Assert.Equal(1, engine.Game.Board.CapturedBy(Color.Black));
        Assert.Equal("= ", Single(engine, "undo"));
        Assert.Equal(Color.White, engine.Game.Board[new Vertex(0, 0)]);
        Assert.Equal(Color.Empty, engine.Game.Board[new Vertex(1, 0)]);
        Assert.Equal(0, engine.Game.Board.CapturedBy(Color.Black));
        Assert.Equal(2, engine.Game.Moves.Count);
    }

    [Fact]
    public void UndoWithNothingToUndoIsAnError()
    {
        var engine = NewEngine();
        Assert.Equal(["= ", "= ", "? cannot undo"], Responses(engine, "play b D4\nundo\nundo\n"));
        Assert.Equal("? cannot undo", Single(NewEngine(), "undo"));
    }

    // ---- showing and scoring --------------------------------------------------------------------------------

    [Fact]
    public void ShowBoardAnswersTheBoardOnTheLinesAfterTheStatus()
    {
        var engine = NewEngine(size: 5);
        Converse(engine, "play b C3\nplay w D4\n");
        var expected = "= \n" + engine.Game.Board + "\n\n";
        Assert.Equal(expected, Converse(engine, "showboard\n"));
        Assert.Contains(" 3 . . X . . 3\n", expected);
        Assert.Contains(" 4 . . . O . 4\n", expected);
        Assert.Equal("=3 \n" + engine.Game.Board + "\n\n", Converse(engine, "3 showboard\n"));
    }

    [Theory]
    [InlineData(9, 7.5, "", "W+7.5")]
    [InlineData(5, 0.5, "play b C3\n", "B+24.5")]
    [InlineData(5, 0, "", "0")]
    [InlineData(5, 2, "play b C3\nplay w C4\n", "W+2")]
    [InlineData(19, -1000, "play b D4\n", "B+1361")]
    [InlineData(5, 0.00001, "", "W+0.00001")]
    [InlineData(5, -1.5e-7, "", "B+0.00000015")]
    public void FinalScoreIsTheTrompTaylorResult(int size, double komi, string moves, string result)
    {
        var engine = NewEngine(size: size, komi: komi);
        Converse(engine, moves);
        Assert.Equal($"= {result}", Single(engine, "final_score"));
    }

    [Theory]
    [InlineData(7.5, "7.5")]
    [InlineData(1e-7, "0.0000001")]
    [InlineData(1.25e-5, "0.0000125")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1.25e16, "12500000000000000")]
    [InlineData(1.5e30, "1500000000000000000000000000000")]
    public void ScoresAreWrittenWithoutAnExponent(double value, string written) =>
        Assert.Equal(written, PlainNumber.Format(value));

    [Fact]
    public void AScoreWrittenWithoutAnExponentReadsBackExactly()
    {
        foreach (var value in new[] { double.Epsilon, 1e-300, 2.0 / 3 * 1e-9, 1.0 / 3, 123.456, double.MaxValue })
            Assert.Equal(value, double.Parse(PlainNumber.Format(value), System.Globalization.CultureInfo.InvariantCulture));
    }

    // ---- SGF ------------------------------------------------------------------------------------------------

    /// <summary>5×5, komi 2.5, a black setup stone on A5, then B C3, W D2, B B4, W pass, B E1, W A4.</summary>
    internal static readonly string SetupAndSixMoves = DataFile("setup-and-six-moves.sgf");

    internal static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Gtp", name);

    [Fact]
    public void LoadSgfReplaysTheWholeFileTakesItsSizeAndKomiAndAnswersTheColourToMove()
    {
        var engine = NewEngine(size: 19, komi: 7.5);
        Assert.Equal("= black", Single(engine, $"loadsgf {SetupAndSixMoves}"));
        Assert.Equal((5, 2.5, 6), (engine.Game.Size, engine.Game.Komi, engine.Game.Moves.Count));
        Assert.Equal(["= A5 B4 C3 E1", "= A4 D2"], Responses(engine, "list_stones b\nlist_stones w\n"));
        Assert.Equal("= ", Single(engine, "boardsize 9"));
        Assert.Equal(2.5, engine.Game.Komi);
    }

    [Theory]
    [InlineData("1", 0, "black")]
    [InlineData("2", 1, "white")]
    [InlineData("5", 4, "black")]
    [InlineData("7", 6, "black")]
    [InlineData("99", 6, "black")]
    [InlineData("C3", 0, "black")]
    [InlineData("d2", 1, "white")]
    [InlineData("A1", 6, "black")]
    public void LoadSgfStopsBeforeTheGivenMoveNumberOrTheFirstMoveAtTheGivenVertex(string stop, int movesPlayed, string toMove)
    {
        var engine = NewEngine();
        Assert.Equal($"= {toMove}", Single(engine, $"loadsgf {SetupAndSixMoves} {stop}"));
        Assert.Equal(movesPlayed, engine.Game.Moves.Count);
        Assert.Equal(Color.Black, engine.Game.Board[new Vertex(0, 4)]);
    }

    [Fact]
    public void LoadSgfKeepsTheCapturesOfTheReplayedMoves()
    {
        var engine = NewEngine();
        Assert.Equal("= black", Single(engine, $"loadsgf {DataFile("capture.sgf")}"));
        Assert.Equal(["= 1", "= 0", "= B5 A4", "= E1"], Responses(engine, "captures b\ncaptures w\nlist_stones b\nlist_stones w\n"));
    }

    [Theory]
    [InlineData("missing.sgf", "? cannot load file: Could not find file")]
    [InlineData("illegal-move.sgf", "illegal-move.sgf, line 2, column 10: move 2, W[cc] (W C3), is illegal: the point is occupied")]
    [InlineData("unterminated.sgf", "unterminated.sgf, line 3, column 1: expected ')'")]
    public void LoadSgfOfAFileThatCannotBeReadIsAnErrorThatSaysWhyAndChangesNothing(string file, string expected)
    {
        var engine = NewEngine(size: 9);
        Converse(engine, "play b E5\n");
        var reply = Single(engine, $"loadsgf {DataFile(file)}");
        Assert.StartsWith("? cannot load file: ", reply);
        Assert.Contains(expected, reply);
        Assert.Equal((9, 1), (engine.Game.Size, engine.Game.Moves.Count));
    }

    [Fact]
    public void LoadSgfOfAFileWhoseKomiIsBeyondAThousandIsAnErrorAndChangesNothing()
    {
        var engine = NewEngine(size: 9);
        Assert.Equal("? cannot load file: its komi 5000 is not between -1000 and 1000", Single(engine, $"loadsgf {DataFile("huge-komi.sgf")}"));
        Assert.Equal((9, 7.5, 0), (engine.Game.Size, engine.Game.Komi, engine.Game.Moves.Count));
    }

    [Fact]
    public void PrintSgfAnswersTheGameAsSgfThatLoadsBackToTheSameGame()
    {
        var engine = NewEngine(size: 7, komi: 3.5);
        Converse(engine, "play b D4\nplay w C3\nplay b pass\nplay w E5\n");
        var reply = Single(engine, "printsgf");
        Assert.StartsWith("= (;", reply);
        Assert.Contains("SZ[7]", reply);
        Assert.Contains("KM[3.5]", reply);
        Assert.Equal(reply, Single(engine, "printsgf -"));
        var path = Path.Combine(Path.GetTempPath(), $"gtp-engine-{Guid.NewGuid():N}.sgf");
        try
        {
            File.WriteAllText(path, reply[2..]);
            var loaded = NewEngine();
            Assert.Equal("= black", Single(loaded, $"loadsgf {path}"));
            Assert.Equal(engine.Game.Moves, loaded.Game.Moves);
            Assert.Equal((7, 3.5), (loaded.Game.Size, loaded.Game.Komi));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PrintSgfWithAFileWritesItAndAnswersNothing()
    {
        var engine = NewEngine();
        Converse(engine, $"loadsgf {DataFile("capture.sgf")}\nplay b C3\n");
        var path = Path.Combine(Path.GetTempPath(), $"gtp-engine-{Guid.NewGuid():N}.sgf");
        try
        {
            Assert.Equal("= ", Single(engine, $"printsgf {path}"));
            var loaded = NewEngine();
            Assert.Equal("= white", Single(loaded, $"loadsgf {path}"));
            Assert.Equal(engine.Game.Moves, loaded.Game.Moves);
            Assert.Equal(["= 1", "= B5 A4 C3"], Responses(loaded, "captures black\nlist_stones black\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PrintSgfToAFolderThatDoesNotExistIsAnError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-folder-{Guid.NewGuid():N}", "game.sgf");
        Assert.StartsWith($"? cannot write file '{path}': ", Single(NewEngine(), $"printsgf {path}"));
        Assert.Equal("? syntax error: usage is 'printsgf [FILE]', got 2 arguments", Single(NewEngine(), "printsgf a.sgf b.sgf"));
    }

    // ---- GNU Go's position queries ----------------------------------------------------------------------------

    [Fact]
    public void AllLegalListsEveryLegalPointFromTheTopRowWithoutPass()
    {
        var engine = NewEngine(size: 3);
        Converse(engine, "play b A2\nplay b B1\n");
        Assert.Equal("= A3 B3 C3 B2 C2 A1 C1", Single(engine, "all_legal b"));
        Assert.Equal("= A3 B3 C3 B2 C2 C1", Single(engine, "all_legal white"));
        Assert.Equal("? syntax error: usage is 'all_legal COLOR', got 0 arguments", Single(engine, "all_legal"));
    }

    [Fact]
    public void IsLegalAnswersOneOrZero()
    {
        var engine = NewEngine(size: 5);
        Converse(engine, string.Join('\n', KoSetup) + "\n");
        Assert.Equal(
            ["= 0", "= 1", "= 0", "= 1", "= 1"],
            Responses(engine, "is_legal w C3\nis_legal b C3\nis_legal b D3\nis_legal w E5\nis_legal w pass\n"));
        Assert.Equal("? syntax error: 'F1' is not a vertex of a 5x5 board (A1..E5 or pass)", Single(engine, "is_legal b F1"));
        Assert.Equal("? syntax error: usage is 'is_legal COLOR VERTEX', got 1 argument", Single(engine, "is_legal b"));
    }

    [Fact]
    public void ListStonesListsTheStonesOfOneColourFromTheTopRow()
    {
        var engine = NewEngine(size: 5);
        Converse(engine, "play b A1\nplay w E5\nplay b C3\nplay b B4\n");
        Assert.Equal(["= B4 C3 A1", "= E5"], Responses(engine, "list_stones b\nlist_stones w\n"));
        Assert.Equal("= ", Single(NewEngine(), "list_stones black"));
        Assert.Equal("? syntax error: 'o' is not a colour (b, w, black or white)", Single(engine, "list_stones o"));
    }

    [Fact]
    public void CapturesCountsTheStonesTakenByThatColour()
    {
        var engine = NewEngine(size: 5);
        Converse(engine, "play w A2\nplay w B2\nplay b A3\nplay b B3\nplay b C2\nplay b B1\nplay w C1\nplay b A1\n");
        Assert.Equal(["= 2", "= 0"], Responses(engine, "captures b\ncaptures white\n"));
        Assert.Equal("? syntax error: usage is 'captures COLOR', got 0 arguments", Single(engine, "captures"));
    }

    // ---- protocol ---------------------------------------------------------------------------------------------

    [Fact]
    public void NumberedCommandsEchoTheirIdInSuccessAndError()
    {
        var engine = NewEngine(new ScriptedPlayer(new Vertex(3, 3)), size: 9);
        Assert.Equal(
            ["=12 D4", "=0 2", "?7 unknown command", "?8 illegal move", "?9 syntax error: 'q' is not a colour (b, w, black or white)"],
            Responses(engine, "12 genmove b\n0 protocol_version\n7 fly\n8 play w D4\n9 play q D4\n"));
    }

    [Fact]
    public void AnIdIsEchoedAsTheNumberItIsWithoutLeadingZerosAsGnuGoDoes() =>
        Assert.Equal(["=12 GoSeqZero", "=0 GoSeqZero", "?7 unknown command"], Responses(NewEngine(), "012 name\n000 name\n0007 fly\n"));

    [Fact]
    public void AnIdOfAnyLengthIsAnIdNotACommand() =>
        Assert.Equal(
            ["=2147483648 GoSeqZero", "=99999999999999999999999 2", "?2147483648 unknown command", "?99999999999 syntax error: a command must follow the id 99999999999"],
            Responses(NewEngine(), "2147483648 name\n99999999999999999999999 protocol_version\n02147483648 fly\n99999999999\n"));

    [Fact]
    public void AnIdWithoutACommandIsASyntaxError() =>
        Assert.Equal("?5 syntax error: a command must follow the id 5", Single(NewEngine(), "5"));

    [Fact]
    public void CommentsEmptyLinesAndWhitespaceOnlyLinesGetNoReply()
    {
        var engine = NewEngine(size: 9);
        var input = "# a comment\n\n   \n\t\nname # what are you?\n#boardsize 5\n";
        Assert.Equal("= GoSeqZero\n\n", Converse(engine, input));
        Assert.Equal(9, engine.Game.Size);
    }

    [Fact]
    public void TabsBecomeSpacesAndControlCharactersAreRemoved()
    {
        var engine = NewEngine(size: 9);
        Assert.Equal(["= ", "= ", "=3 E5"], Responses(engine, "play\tb\t\tD4\r\n\u0001pl\u0007ay w E5\r\n3\tlist_stones\t\tw\n"));
        Assert.Equal([new Move(Color.Black, new Vertex(3, 3)), new Move(Color.White, new Vertex(4, 4))], engine.Game.Moves);
    }

    [Fact]
    public void ACarriageReturnDoesNotEndALine()
    {
        var engine = NewEngine(size: 9);
        Assert.Equal("? unknown command", Single(engine, "name\rname"));
    }

    [Fact]
    public void PreprocessingStripsCommentsControlsAndTabs()
    {
        Assert.Equal("play b D4", GtpEngine.Preprocess("\tplay\u0000 b D4 # black's move\r"));
        Assert.Equal("", GtpEngine.Preprocess("#genmove b"));
        Assert.Equal("a b", GtpEngine.Preprocess("a\t\u001bb"));
    }

    [Fact]
    public void GarbageNeverEndsTheLoop()
    {
        var garbage = new[]
        {
            "play", "play b", "play b ZZ99", "play purple D4", "genmove", "boardsize 1000000000000", "boardsize -",
            "komi 1e999", "undo", "is_legal", "captures nobody", "list_stones", "time_left", "=", "?", "12 ", "-3 name",
            "\u00ff\u00fe", new string('x', 10_000), "known_command", "loadsgf", "printsgf a b",
        };
        var engine = NewEngine(size: 9);
        var responses = Responses(engine, string.Join('\n', garbage) + "\nname\n");
        Assert.Equal(garbage.Length + 1, responses.Length);
        Assert.All(responses[..^1], reply => Assert.StartsWith("?", reply));
        Assert.Equal("= GoSeqZero", responses[^1]);
    }

    [Fact]
    public void EveryReplyIsFlushedBeforeTheNextCommandIsRead()
    {
        var output = new FlushCountingWriter();
        NewEngine().Run(new StringReader("name\n\nversion\n# nothing\nfly\n"), output);
        Assert.Equal(3, output.FlushedReplies);
    }

    /// <summary>Counts how many complete replies ("\n\n"-terminated) had been written at each flush.</summary>
    private sealed class FlushCountingWriter : StringWriter
    {
        public int FlushedReplies { get; private set; }

        public override void Flush()
        {
            base.Flush();
            var text = ToString();
            Assert.EndsWith("\n\n", text);
            FlushedReplies++;
            Assert.Equal(FlushedReplies, text.Split("\n\n").Length - 1);
        }
    }
}
