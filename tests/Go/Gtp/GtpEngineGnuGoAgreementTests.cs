using System.Diagnostics;
using GoSeqZero.Go;
using GoSeqZero.Go.Gtp;
using GoSeqZero.Go.Players;

namespace GoSeqZero.Tests.Go.Gtp;

/// <summary>
/// GNU Go's position queries (all_legal, is_legal, list_stones, captures) answer the same on our engine as on GNU Go
/// 3.8 under our rules, both being told the same moves.
/// </summary>
public class GtpEngineGnuGoAgreementTests
{
    /// <summary>GNU Go in GTP mode on its stdin/stdout, with the rules of docs/design.md, The rules.</summary>
    private sealed class GnuGo : IDisposable
    {
        private readonly Process _process;

        public GnuGo()
        {
            var start = new ProcessStartInfo("/usr/games/gnugo")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--mode", "gtp", "--chinese-rules", "--positional-superko", "--capture-all-dead" })
                start.ArgumentList.Add(argument);
            _process = Process.Start(start) ?? throw new InvalidOperationException("could not start /usr/games/gnugo");
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginErrorReadLine();
        }

        /// <summary>Sends one command and returns its whole response without the closing empty line.</summary>
        public string Send(string command)
        {
            _process.StandardInput.Write(command + "\n");
            _process.StandardInput.Flush();
            var lines = new List<string>();
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                if (line.Length == 0 && lines.Count > 0) return string.Join('\n', lines);
                if (line.Length > 0) lines.Add(line);
            }
            throw new InvalidOperationException($"GNU Go closed its output after '{command}'");
        }

        public void Dispose()
        {
            _process.StandardInput.Write("quit\n");
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000)) _process.Kill();
            _process.Dispose();
        }
    }

    private static string Ask(GtpEngine engine, string command) => engine.Execute(command)![..^2];

    /// <summary>Both engines answer every query alike, as sets of vertices where the answer is a list.</summary>
    private static void AssertSameAnswers(GtpEngine ours, GnuGo gnuGo, int size)
    {
        foreach (var color in new[] { "black", "white" })
        {
            foreach (var query in new[] { "all_legal", "list_stones" })
                Assert.Equal(VertexSet(Ask(ours, $"{query} {color}")), VertexSet(gnuGo.Send($"{query} {color}")));
            Assert.Equal(gnuGo.Send($"captures {color}"), Ask(ours, $"captures {color}"));
            for (var x = 0; x < size; x++)
                for (var y = 0; y < size; y++)
                {
                    var command = $"is_legal {color} {new Vertex(x, y)}";
                    Assert.True(gnuGo.Send(command) == Ask(ours, command), $"'{command}' answered differently");
                }
        }
    }

    private static SortedSet<string> VertexSet(string response)
    {
        Assert.StartsWith("=", response);
        return new SortedSet<string>(response[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);
    }

    private static void SetUpBoth(GtpEngine ours, GnuGo gnuGo, int size)
    {
        foreach (var command in new[] { $"boardsize {size}", "clear_board", "komi 7.5" })
        {
            Assert.Equal("= ", Ask(ours, command));
            Assert.Equal("=", gnuGo.Send(command).TrimEnd());
        }
    }

    [Fact]
    public void AKoAndItsLaterRecaptureAreJudgedAlike()
    {
        using var gnuGo = new GnuGo();
        var ours = new GtpEngine(new RandomPlayer(1), 5);
        SetUpBoth(ours, gnuGo, 5);
        foreach (var command in GtpEngineTests.KoSetup.Concat(["play w A5", "play b B5", "play w C3"]))
        {
            Assert.Equal("= ", Ask(ours, command));
            Assert.Equal("=", gnuGo.Send(command).TrimEnd());
            AssertSameAnswers(ours, gnuGo, 5);
        }
        Assert.Equal("= 0", Ask(ours, "is_legal b D3"));
        Assert.Equal("= 1", Ask(ours, "captures black"));
        Assert.Equal("= 1", Ask(ours, "captures white"));
    }

    [Theory]
    [InlineData(9, 11, 160)]
    [InlineData(7, 12, 120)]
    [InlineData(5, 13, 60)]
    public void RandomGamesWithCapturesAreJudgedAlikeThroughout(int size, int seed, int moveCount)
    {
        using var gnuGo = new GnuGo();
        var ours = new GtpEngine(new RandomPlayer(seed), size);
        SetUpBoth(ours, gnuGo, size);
        for (var move = 0; move < moveCount; move++)
        {
            var color = move % 2 == 0 ? "b" : "w";
            var vertex = Ask(ours, $"genmove {color}")[2..];
            Assert.Equal("=", gnuGo.Send($"play {color} {vertex}").TrimEnd());
            if (move % 10 == 9) AssertSameAnswers(ours, gnuGo, size);
        }
        AssertSameAnswers(ours, gnuGo, size);
        Assert.True(ours.Game.Board.CapturedBy(Color.Black) + ours.Game.Board.CapturedBy(Color.White) > 0, "the game should have had captures");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData(" 2")]
    [InlineData(" 5")]
    [InlineData(" 6")]
    [InlineData(" 99")]
    [InlineData(" c3")]
    [InlineData(" D2")]
    [InlineData(" a1")]
    public void LoadSgfStopsAtTheSameMoveAsGnuGo(string stop)
    {
        using var gnuGo = new GnuGo();
        var ours = new GtpEngine(new RandomPlayer(1), 19);
        var command = $"loadsgf {GtpEngineTests.SetupAndSixMoves}{stop}";
        Assert.Equal(gnuGo.Send(command), Ask(ours, command));
        AssertSameAnswers(ours, gnuGo, 5);
    }
}
