using GoSeqZero.Go;
using GoSeqZero.Go.Sgf;
using Xunit;

namespace GoSeqZero.Tests.Go.Sgf;

/// <summary>Every malformed input is an <see cref="SgfFormatException"/> at the exact line and column, with what was expected.</summary>
public class SgfMalformedTests
{
    private static SgfFormatException Fails(string text, int line, int column, string reason)
    {
        var error = Assert.Throws<SgfFormatException>(() => SgfReader.ReadGame(text, "test.sgf"));
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Equal(reason, error.Reason);
        Assert.Equal($"test.sgf, line {line}, column {column}: {reason}", error.Message);
        Assert.Equal("test.sgf", error.SourceName);
        return error;
    }

    [Fact]
    public void AnUnclosedValueNamesItsPropertyAndTheEndOfFile() =>
        Fails("(;FF[4]SZ[9]\n;B[ee]\n;W[cc]C[unfinished", 3, 19, "expected ']' to close the value of property C, found end of file");

    [Fact]
    public void AValueEndingInABackslashIsUnclosed() =>
        Fails("(;C[abc\\", 1, 9, "expected ']' to close the value of property C, found end of file");

    [Fact]
    public void AMissingCloseParenthesisNamesWhereTheTreeOpened() =>
        Fails("(;SZ[9];B[ee]", 1, 14, "expected ')' to close the game tree opened at line 1, column 1, found end of file");

    [Fact]
    public void AnUnclosedVariationNamesWhereItOpened() =>
        Fails("(;SZ[9]\n(;B[ee])\n(;B[cc]", 3, 8, "expected ')' to close the game tree opened at line 3, column 1, found end of file");

    [Fact]
    public void EmptyTextIsNotAGame() =>
        Fails("", 1, 1, "expected '(' to start a game tree, found end of file");

    [Fact]
    public void TextBeforeTheFirstTreeIsRejected() =>
        Fails("x(;SZ[9])", 1, 1, "expected '(' to start a game tree, found 'x'");

    [Fact]
    public void TextAfterTheLastTreeIsRejected() =>
        Fails("(;SZ[9])\nx", 2, 1, "expected '(' to start another game tree or the end of the file, found 'x'");

    [Fact]
    public void AnEmptyGameTreeIsRejected() =>
        Fails("()", 1, 2, "expected ';' to start the first node of the game tree, found ')'");

    [Fact]
    public void ALowerCasePropertyIdentifierIsRejected() =>
        Fails("(;SZ[9]\n;b[ee])", 2, 2, "expected a property identifier (upper-case letters A-Z), ';', '(' or ')', found 'b'");

    [Fact]
    public void APropertyIdentifierWithADigitIsRejected() =>
        Fails("(;SZ[9];B2[ee])", 1, 10, "expected '[' to start a value of property B, found '2'");

    [Fact]
    public void AStrayCloseBracketIsRejected() =>
        Fails("(;SZ[9];B[aa]])", 1, 14, "expected a property identifier (upper-case letters A-Z), ';', '(' or ')', found ']'");

    [Fact]
    public void APropertyTwiceInOneNodeIsRejected() =>
        Fails("(;SZ[9]C[a]SZ[9])", 1, 12, "property SZ appears twice in one node; expected each property at most once per node");

    [Fact]
    public void AMoveOffTheBoardIsRejected() =>
        Fails("(;SZ[9];B[jj])", 1, 11,
            "expected a point of a 9x9 board (two letters a..i, column then row from the top) or an empty value for a pass in property B, found 'jj'");

    [Fact]
    public void ASetupPointOffTheBoardInACompressedListIsRejected() =>
        Fails("(;SZ[9]AB[aa][ab:zz])", 1, 15,
            "expected a point of a 9x9 board (two letters a..i, column then row from the top) or a rectangle of them such as aa:cc in property AB, found 'ab:zz'");

    [Fact]
    public void AMoveWithTwoValuesIsRejected() =>
        Fails("(;SZ[9];B[aa][bb])", 1, 15, "property B has 2 values; expected one");

    [Fact]
    public void ANodeWithTwoMovesIsRejected() =>
        Fails("(;SZ[9];B[aa]W[bb])", 1, 14, "this node already holds the move B; expected one move per node");

    [Fact]
    public void ASizeAboveNineteenIsRejected() =>
        Fails("(;SZ[25])", 1, 6, "board size 25 is not supported; expected SZ between 2 and 19");

    [Fact]
    public void ASizeBelowTwoIsRejected() =>
        Fails("(;SZ[1])", 1, 6, "board size 1 is not supported; expected SZ between 2 and 19");

    [Fact]
    public void ANonSquareSizeIsRejected() =>
        Fails("(;SZ[9:13])", 1, 6, "the board is 9x13; expected a square board, SZ[n] or SZ[n:n]");

    [Fact]
    public void ASizeThatIsNotANumberIsRejected() =>
        Fails("(;SZ[nine])", 1, 6, "expected a board size such as SZ[19] or SZ[19:19], found SZ[nine]");

    [Fact]
    public void ASizeOutsideTheRootIsRejected() =>
        Fails("(;SZ[9];SZ[9])", 1, 9, "SZ belongs in the root node; expected the board size to be given once, before any move");

    [Fact]
    public void AKomiThatIsNotANumberIsRejected() =>
        Fails("(;SZ[9]KM[seven])", 1, 11, "expected a number for KM such as 7.5 or -3, found KM[seven]");

    [Fact]
    public void AKomiWithADecimalCommaIsRejected() =>
        Fails("(;SZ[9]KM[6,5])", 1, 11, "expected a number for KM such as 7.5 or -3, found KM[6,5]");

    [Fact]
    public void AGameOtherThanGoIsRejected() =>
        Fails("(;GM[2]SZ[8])", 1, 6, "this is GM[2]; expected GM[1], the game of Go");

    [Fact]
    public void AnUnknownPlayerToMoveIsRejected() =>
        Fails("(;SZ[9]AB[aa]PL[X])", 1, 17, "expected PL[B] or PL[W], found PL[X]");

    [Fact]
    public void SetupAfterTheFirstMoveIsRejected() =>
        Fails("(;SZ[9];B[ee];AB[aa])", 1, 15,
            "setup property AB comes after move 1; expected setup (AB, AW, AE, PL) only before the first move");

    [Fact]
    public void APointSetTwiceInOneNodeIsRejected() =>
        Fails("(;SZ[9]AB[aa:bb]AW[bb])", 1, 20, "point bb (B8) is set by both AB and AW in one node; expected each point at most once per node");

    [Fact]
    public void ASetupChainWithoutLibertiesIsRejected()
    {
        var error = Fails("(;SZ[2]\nAB[aa:bb])", 2, 1, "the setup position is not legal: the setup leaves the chain at B1 without liberties");
        Assert.IsType<ArgumentException>(error.InnerException);
    }

    [Fact]
    public void AMoveOnAnOccupiedPointIsRejected() =>
        Fails("(;SZ[9]\n;B[ee]\n;W[ee])", 3, 4,
            "move 2, W[ee] (W E5), is illegal: the point is occupied; expected a move to an empty point that is not suicide and does not repeat a position (positional superko)");

    [Fact]
    public void ASuicideIsRejected() =>
        Fails("(;SZ[9]AB[ba][ab]\n;W[aa])", 2, 4,
            "move 1, W[aa] (W A9), is illegal: suicide; expected a move to an empty point that is not suicide and does not repeat a position (positional superko)");

    [Fact]
    public void RetakingAKoAtOnceIsRejectedAsSuperko() =>
        Fails("(;SZ[9]AB[ba][ab][bc]AW[ca][bb][db][cc]\n;B[cb]\n;W[bb])", 3, 4,
            "move 2, W[bb] (W B8), is illegal: it repeats an earlier position (positional superko); expected a move to an empty point that is not suicide and does not repeat a position (positional superko)");

    [Fact]
    public void AnIllegalMoveInARecordBuiltInCodeIsRejectedWithoutAPosition()
    {
        var record = new GameRecord
        {
            Size = 9,
            Moves = [new RecordedMove(new Move(Color.Black, new Vertex(4, 4))), new RecordedMove(new Move(Color.White, new Vertex(4, 4)))],
        };

        var error = Assert.Throws<SgfFormatException>(() => record.ToGame());
        Assert.Equal((0, 0), (error.Line, error.Column));
        Assert.StartsWith("move 2, W[ee] (W E5), is illegal: the point is occupied", error.Message);
    }

    [Fact]
    public void EveryTruncationOfAValidFileIsAnSgfFormatException()
    {
        var text = SgfTestData.Read("game-with-variations.sgf").TrimEnd();
        for (var length = 0; length < text.Length; length++)
        {
            var prefix = text[..length];
            var error = Assert.Throws<SgfFormatException>(() => SgfReader.ReadGame(prefix));
            Assert.True(error.Line >= 1 && error.Column >= 1, $"truncated at {length}: {error.Message}");
        }
    }

    [Fact]
    public void RandomlyDamagedFilesEitherReadOrRaiseSgfFormatException()
    {
        var text = SgfTestData.Read("game-with-variations.sgf") + SgfTestData.Read("handicap-setup.sgf");
        const string alphabet = "()[];:\\ \nABCWabcjtz019.";
        var random = new Random(20240501);
        for (var trial = 0; trial < 3000; trial++)
        {
            var damaged = text.ToCharArray().ToList();
            for (var edit = random.Next(1, 4); edit > 0; edit--)
            {
                var at = random.Next(damaged.Count);
                switch (random.Next(3))
                {
                    case 0: damaged.RemoveAt(at); break;
                    case 1: damaged.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: damaged[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }
            var candidate = new string(damaged.ToArray());
            try
            {
                SgfReader.ReadGame(candidate).ToGame();
            }
            catch (SgfFormatException error)
            {
                Assert.True(error.Line >= 1 && error.Column >= 1, $"{error.Message} in:\n{candidate}");
            }
        }
    }
}
