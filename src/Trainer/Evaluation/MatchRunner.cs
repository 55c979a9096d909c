using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using GoSeqZero.Go;
using GoSeqZero.Go.Players;
using GoSeqZero.Go.Sgf;
using GoSeqZero.Trainer.Players;

namespace GoSeqZero.Trainer.Evaluation;

/// <summary>
/// Makes a player from its spec and a seed; the CLI passes <c>PlayerSpec.Create</c>. An engine process must give
/// up on a command after <paramref name="commandTimeout"/>.
/// </summary>
internal delegate IPlayer PlayerFactory(string spec, int seed, TimeSpan commandTimeout);

/// <summary>
/// What a match plays: program A (<see cref="FirstSpec"/>, Black in games 1, 3, 5, ...) against program B, and
/// the rules, limits and output folder.
/// </summary>
internal sealed record MatchSettings(
    string FirstSpec,
    string SecondSpec,
    int Games,
    int Size,
    double Komi,
    int Parallel,
    string OutputDirectory,
    TimeSpan MoveTimeLimit,
    int MoveCap,
    int Seed,
    int OpeningMoves = 0)
{
    /// <summary>The longest move time limit: a day, well inside what timers and waits accept.</summary>
    public static readonly TimeSpan MaxMoveTimeLimit = TimeSpan.FromDays(1);

    /// <summary>
    /// How long an engine process may take to answer one command: a little over the move time limit, so that the
    /// referee's own clock decides first and an engine that is merely slow loses on time rather than by forfeit.
    /// </summary>
    public TimeSpan CommandTimeout => MoveTimeLimit + TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> when no match can be played with these settings.</summary>
    public void Validate() => Validate(Games, Size, Komi, Parallel, MoveTimeLimit.TotalSeconds, MoveCap);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the match command's option that is out of range. The command
    /// checks its options with this before they become settings, since a move time limit of NaN seconds or beyond
    /// <see cref="TimeSpan.MaxValue"/> cannot even become a <see cref="TimeSpan"/>.
    /// </summary>
    public static void Validate(int games, int size, double komi, int parallel, double moveTimeLimitSeconds, int moveCap)
    {
        if (size is < RuleLimits.MinSize or > RuleLimits.MaxSize)
            throw new ArgumentException($"--size {size} is not a board size; use {RuleLimits.MinSize}..{RuleLimits.MaxSize}");
        if (!RuleLimits.IsAcceptableKomi(komi))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--komi {komi} is not a komi; use a number between {-RuleLimits.MaxKomi} and {RuleLimits.MaxKomi}"));
        if (games < 1) throw new ArgumentException($"--games {games} must be at least 1");
        if (parallel < 1) throw new ArgumentException($"--parallel {parallel} must be at least 1");
        // Also keeps every timer and wait within the range the runtime accepts.
        var maxSeconds = MaxMoveTimeLimit.TotalSeconds;
        if (!(moveTimeLimitSeconds > 0 && moveTimeLimitSeconds <= maxSeconds))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--move-time-limit {moveTimeLimitSeconds} must be a number of seconds more than 0 and at most {maxSeconds} s (a day)"));
        if (moveCap < 1) throw new ArgumentException($"--move-cap {moveCap} must be at least 1");
    }
}

/// <summary>The output folder of a match, or a file in it, could not be created or written.</summary>
internal sealed class MatchOutputException(string folder, Exception reason)
    : IOException($"{folder}: cannot create or write: {reason.Message}", reason)
{
    public string Folder { get; } = folder;
}

/// <summary>
/// Plays a match: games alternate colours (A is Black in games 1, 3, 5, ...),
/// <see cref="MatchSettings.Parallel"/> games at a time. Each game gets fresh player instances, seeded from the
/// match seed, the game number and the program, and disposed when it ends: a crashed or hung engine cannot spoil
/// later games, and a game's seeds do not depend on which slot happened to play it. A player that fails, resigns,
/// runs out of time or plays an illegal move loses that game and the match goes on. Each finished game is written at once as
/// game-NNNN.sgf, and results.json is rewritten, so an interrupted match keeps what it played. Specs are
/// written normalized (<see cref="PlayerSpec.Normalize"/>), so results key each player the same way.
/// </summary>
internal sealed class MatchRunner
{
    private readonly MatchSettings _settings;
    private readonly PlayerFactory _createPlayer;
    private readonly TextWriter _progress;
    private readonly Lock _finishedLock = new();
    private readonly List<GameResult> _finished = [];
    /// <summary>What did the work behind each program, from the first of its players that started.</summary>
    private readonly ProgramKind?[] _kinds = new ProgramKind?[2];
    private readonly Stopwatch _clock = new();
    private DateTimeOffset _started;

    public MatchRunner(MatchSettings settings, PlayerFactory createPlayer, TextWriter progress)
    {
        _settings = settings with { FirstSpec = PlayerSpec.Normalize(settings.FirstSpec), SecondSpec = PlayerSpec.Normalize(settings.SecondSpec) };
        _createPlayer = createPlayer;
        _progress = progress;
    }

    /// <summary>Plays the match; throws <see cref="MatchOutputException"/> when the output folder cannot be written.</summary>
    public MatchResults Run()
    {
        _settings.Validate();
        Output(() => Directory.CreateDirectory(_settings.OutputDirectory));
        var resultsPath = Path.Combine(_settings.OutputDirectory, MatchResults.FileName);
        if (File.Exists(resultsPath))
            throw new IOException($"{_settings.OutputDirectory} already holds a match ({MatchResults.FileName}); choose another output folder");

        _started = DateTimeOffset.Now;
        _clock.Start();
        var nextGame = -1;
        var failed = false;
        var workers = Enumerable.Range(0, Math.Min(_settings.Parallel, _settings.Games)).Select(_ =>
            Task.Factory.StartNew(() =>
            {
                try
                {
                    int game;
                    while (!Volatile.Read(ref failed) && (game = Interlocked.Increment(ref nextGame)) < _settings.Games)
                        Finish(PlayOne(game));
                }
                catch
                {
                    // The runner itself failed (e.g. the disk is full): the other slots start no new game.
                    Volatile.Write(ref failed, true);
                    throw;
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            Task.WaitAll(workers);
        }
        catch (AggregateException error)
        {
            ExceptionDispatchInfo.Throw(error.InnerExceptions[0]);
        }
        return Snapshot();
    }

    /// <summary>Runs a file-system action on the output folder, turning its failure into a <see cref="MatchOutputException"/>.</summary>
    private void Output(Action action)
    {
        try
        {
            action();
        }
        catch (Exception error) when (error is UnauthorizedAccessException or IOException and not MatchOutputException)
        {
            throw new MatchOutputException(_settings.OutputDirectory, error);
        }
    }

    /// <summary>A seed for program <paramref name="program"/> in game <paramref name="game"/>: SplitMix64 of the three.</summary>
    internal static int PlayerSeed(int matchSeed, int game, int program)
    {
        var x = unchecked((ulong)(uint)matchSeed * 0x9E3779B97F4A7C15UL + (ulong)game * 2 + (ulong)program + 1);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return (int)((x ^ (x >> 31)) & int.MaxValue);
    }

    private GameResult PlayOne(int gameIndex)
    {
        var blackProgram = gameIndex % 2;
        var whiteProgram = 1 - blackProgram;
        var specs = new[] { _settings.FirstSpec, _settings.SecondSpec };
        var game = new Game(_settings.Size, _settings.Komi, _settings.MoveCap);
        PlayOpening(game, gameIndex);
        var stopwatch = Stopwatch.StartNew();

        var black = Start(specs[blackProgram], PlayerSeed(_settings.Seed, gameIndex, blackProgram));
        var white = Start(specs[whiteProgram], PlayerSeed(_settings.Seed, gameIndex, whiteProgram));
        NoteKind(blackProgram, black.Player);
        NoteKind(whiteProgram, white.Player);
        // A player that cannot even start forfeits; when both fail, Black's failure counts.
        var refereed = black.Player is null ? Referee.Forfeit(game, Color.Black, $"Black ({black.Name}) could not start: {black.Failure}")
            : white.Player is null ? Referee.Forfeit(game, Color.White, $"White ({white.Name}) could not start: {white.Failure}")
            : Referee.Play(game, black.Player, white.Player, _settings.MoveTimeLimit);
        Dispose(black.Player, _settings.MoveTimeLimit);
        Dispose(white.Player, _settings.MoveTimeLimit);

        var sgfName = $"game-{gameIndex + 1:D4}.sgf";
        var blackSide = new GameSide(blackProgram, specs[blackProgram], black.Name, refereed.BlackMoves, refereed.BlackSeconds);
        var whiteSide = new GameSide(whiteProgram, specs[whiteProgram], white.Name, refereed.WhiteMoves, refereed.WhiteSeconds);
        WriteSgf(Path.Combine(_settings.OutputDirectory, sgfName), refereed, blackSide, whiteSide, gameIndex);
        return new GameResult(gameIndex + 1, sgfName, blackSide, whiteSide, refereed.Result,
            refereed.Winner switch { Color.Black => Winner.Black, Color.White => Winner.White, _ => Winner.Draw },
            refereed.Score, refereed.End, refereed.Reason, game.Moves.Count, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The first <see cref="MatchSettings.OpeningMoves"/> moves, drawn by the playout policy from a seed shared by the
    /// two games of a colour pair: deterministic players then meet in different positions, each opening played once
    /// with each colour.
    /// </summary>
    private void PlayOpening(Game game, int gameIndex)
    {
        if (_settings.OpeningMoves == 0) return;
        var random = new FastRandom((ulong)PlayerSeed(_settings.Seed, gameIndex / 2, program: 2));
        for (var i = 0; i < _settings.OpeningMoves && !game.IsOver; i++)
        {
            var color = game.ToMove;
            game.Play(color, game.Board.VertexOf(RandomPlayout.ChooseMove(game.Board, color, ref random)));
        }
    }

    private void NoteKind(int program, IPlayer? player)
    {
        if (player is null) return;
        lock (_finishedLock) _kinds[program] ??= KindOf(player);
    }

    /// <summary>What did the work behind <paramref name="player"/>'s moves, as results.json records it.</summary>
    internal static ProgramKind KindOf(IPlayer player) => new(player.Kind, player.Playouts);

    /// <summary>A started player and its name, or why it could not be started (null player).</summary>
    private readonly record struct StartedPlayer(IPlayer? Player, string Name, string? Failure);

    private StartedPlayer Start(string spec, int seed)
    {
        var call = StartPlayer(_createPlayer, spec, seed, _settings);
        if (call.TimedOut) return new StartedPlayer(null, spec, $"not ready within {_settings.MoveTimeLimit.TotalSeconds:0.###} s");
        if (call.Error is { } error) return new StartedPlayer(null, spec, $"{error.GetType().Name}: {error.Message}");
        return new StartedPlayer(call.Value, call.Value.Name, null);
    }

    /// <summary>
    /// Creates a player, bounded like a move: an engine that never answers its handshake must not hang the match,
    /// and one that becomes ready only after the limit is disposed as soon as it does.
    /// </summary>
    internal static TimedCall<IPlayer> StartPlayer(PlayerFactory createPlayer, string spec, int seed, MatchSettings settings) =>
        TimedCall.Run(_ => createPlayer(spec, seed, settings.CommandTimeout), settings.MoveTimeLimit, late => late.Dispose());

    /// <summary>Disposes under the time limit; a player whose disposal hangs is left to its thread.</summary>
    internal static void Dispose(IPlayer? player, TimeSpan limit)
    {
        if (player is not null) TimedCall.Run(player.Dispose, limit);
    }

    private void WriteSgf(string path, RefereedGame refereed, GameSide black, GameSide white, int gameIndex)
    {
        var record = GameRecord.FromGame(refereed.Game, black.Name, white.Name, refereed.Result,
            _started.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            $"Game {gameIndex + 1} of {_settings.Games}, {black.Spec} (B) vs {white.Spec} (W): {refereed.Reason}.");
        Output(() => SgfWriter.WriteFile(record, path));
    }

    private void Finish(GameResult result)
    {
        lock (_finishedLock)
        {
            _finished.Add(result);
            var snapshot = Snapshot();
            Output(() => snapshot.Write(Path.Combine(_settings.OutputDirectory, MatchResults.FileName)));
            _progress.WriteLine(ProgressLine(result));
        }
    }

    private MatchResults Snapshot() =>
        new(MatchResults.CurrentVersion, _started, _settings.Size, _settings.Komi, _settings.MoveCap,
            _settings.MoveTimeLimit.TotalSeconds, _settings.Seed, _settings.Games,
            [_settings.FirstSpec, _settings.SecondSpec], _finished.OrderBy(g => g.Game).ToArray(), [.. _kinds]);

    private string ProgressLine(GameResult result)
    {
        var done = _finished.Count;
        var elapsed = _clock.Elapsed;
        var remaining = TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (_settings.Games - done));
        var scoreA = _finished.Sum(g => g.ScoreOf(0));
        var scoreB = _finished.Sum(g => g.ScoreOf(1));
        // Losses by time, resignation or forfeit carry their reason, so a failing engine is visible as it happens.
        var ending = result.End is GameEnd.TwoPasses or GameEnd.MoveCap ? MatchSummary.Describe(result.End) : result.Reason;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{done}/{_settings.Games}] game {result.Game}: {result.Result} ({ending}) | A {scoreA:0.#} B {scoreB:0.#} | elapsed {Clock(elapsed)} ETA {Clock(remaining)}");
    }

    private static string Clock(TimeSpan time) =>
        time.TotalHours >= 1 ? $"{(int)time.TotalHours}:{time:mm\\:ss}" : time.ToString("m\\:ss", CultureInfo.InvariantCulture);
}
