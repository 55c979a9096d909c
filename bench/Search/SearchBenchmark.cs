using System.Diagnostics;
using System.Globalization;
using GoSeqZero.Go;
using GoSeqZero.Kernels;
using GoSeqZero.Trainer.Search;
using GoSeqZero.Trainer.Sequences;
using GoSeqZero.Trainer.Training;
using GoSeqZero.Transformer;

namespace GoSeqZero.Bench.Search;

/// <summary>
/// <c>bench -- search [--device cpu] [--sizes 5,7,9] [--games 16] [--top-k 4] [--playouts 1] [--mode tree|rollout] [--steps N]
/// [--json FILE]</c>: search steps per second of the trainer's default model (untrained: speed does not depend on the
/// weights) on each board size, batched over <c>--games</c> random positions as self-play runs them; tokens per second
/// of the decoder calls that prefill forced runs and of those that decode one token per game; and where the time goes
/// (prefill calls, decode calls, reading the model's choices, the writers and rules engine) from <see cref="SearchStatistics"/>.
/// </summary>
internal static class SearchBenchmark
{
    /// <summary>The driver's largest prefill chunk (its default).</summary>
    private const int MaxChunk = 64;

    public static int Run(string[] args)
    {
        var options = new Options(args, "device", "sizes", "games", "top-k", "playouts", "mode", "steps", "seed", "call-overhead-rows", "json");
        var sizes = options.String("sizes", "5,7,9").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int games = options.Int("games", 16), seed = options.Int("seed", 1);
        var mode = options.String("mode", "tree") switch
        {
            "tree" => SearchMode.Tree,
            "rollout" => SearchMode.Rollout,
            var other => throw new ArgumentException($"--mode is tree or rollout, not '{other}'"),
        };
        if (games < 1) throw new ArgumentException($"--games must be at least 1, not {games}");
        foreach (var size in sizes) Vocabulary.CheckBoardSize(size);
        // One playout per searched move unless asked: the figures in bench/RESULTS.md were measured so.
        var settings = new SearchSettings { Mode = mode, TopK = options.Int("top-k", 4), Playouts = options.Int("playouts", 1) };
        settings.Validate();

        using var device = Device.Create(options.String("device", "cpu"));
        var overheadRows = options.Int("call-overhead-rows", SearchDriver.DefaultCallOverheadRows(device.Kind));
        var vocabulary = new Vocabulary();
        var shape = new ModelSettings();
        using var model = new Gpt(device, shape.ConfigFor(vocabulary, settings.MaxTokens(sizes.Max()), seed));
        var report = new BenchReport("search", args);
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine($"search steps on {device.Description}: {settings.Mode} mode, top-k {settings.TopK}, {games} games per batch, " +
                          $"default model ({shape.Layers} layers, C = {shape.Channels}, {model.Layout.Count:N0} parameters, untrained), " +
                          $"chunks of up to {MaxChunk}, call overhead {overheadRows} rows");

        var random = new FastRandom((ulong)seed);
        // One untrained batch on the smallest board first: JIT and tiering, not measured.
        using (var warmup = new SearchDriver(model, vocabulary, settings, games, sizes.Min(), MaxChunk))
            warmup.Run(RandomRoots(sizes.Min(), games, ref random));

        var rows = new List<SizeResult>();
        foreach (var size in sizes)
        {
            var batches = Math.Max(1, (options.Int("steps", DefaultSteps(size, device.Kind)) + games - 1) / games);
            if (size >= 9 && device.Kind == DeviceKind.Cpu)
                Console.WriteLine($"{size}×{size} on a CPU is slow (sequences of up to {settings.MaxTokens(size)} tokens): " +
                                  $"{batches} batch{(batches == 1 ? "" : "es")} of {games}, expect a minute or more; a GPU is its home");
            using var driver = new SearchDriver(model, vocabulary, settings, games, size, MaxChunk) { CallOverheadRows = overheadRows };
            var result = new SizeResult(size);
            for (var b = 0; b < batches; b++)
            {
                var roots = RandomRoots(size, games, ref random);
                var before = Snapshot(driver.Statistics);
                var start = Stopwatch.GetTimestamp();
                var writers = driver.Run(roots);
                var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
                var spent = Difference(Snapshot(driver.Statistics), before);
                var schedule = Replay(writers, games, settings.ModelWritesImproved, overheadRows);
                if (schedule.PrefillCalls != spent.PrefillCalls || schedule.DecodeCalls != spent.DecodeCalls || schedule.ModelTokens != spent.ModelTokens)
                    throw new InvalidOperationException(
                        $"the replayed call schedule ({schedule.PrefillCalls} prefill, {schedule.DecodeCalls} decode calls, {schedule.ModelTokens} model tokens) " +
                        $"differs from the driver's ({spent.PrefillCalls}, {spent.DecodeCalls}, {spent.ModelTokens}): SearchDriver's loop changed, update Replay");
                result.Add(new BatchResult(games, wall, spent, schedule, writers.Sum(w => w.Sequence.Count)));
            }
            rows.Add(result);
        }

        Console.WriteLine();
        Console.WriteLine($"medians over batches of {games} steps; noisy when the machine is shared");
        Console.WriteLine("size  batches  steps/s  tokens/step  prefill tok/s  decode tok/s  calls/step pre+dec   rows/s  rows used  " +
                          "prefill  decode  choice  writer  other");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(culture,
                $"{r.Size}×{r.Size,-3} {r.Batches.Count,6}  {r.Median(b => b.StepsPerSecond),7:F2}  {r.Median(b => b.TokensPerStep),11:F0}  " +
                $"{r.Median(b => b.PrefillTokensPerSecond),13:N0}  {r.Median(b => b.DecodeTokensPerSecond),12:N0}  " +
                $"{r.Median(b => b.PrefillCallsPerStep),8:F1} + {r.Median(b => b.DecodeCallsPerStep),-7:F1}  {r.Median(b => b.RowsPerSecond),7:N0}  " +
                $"{r.Median(b => b.RowsUsed),9:P0}  {r.Median(b => b.Share(b.Spent.PrefillSeconds)),7:P1}  {r.Median(b => b.Share(b.Spent.DecodeSeconds)),6:P1}  " +
                $"{r.Median(b => b.Share(b.Spent.ChoiceSeconds)),6:P1}  {r.Median(b => b.Share(b.Spent.WriterSeconds)),6:P1}  " +
                $"{r.Median(b => b.Share(b.Wall - b.Spent.TotalSeconds)),5:P1}"));
            (string, object)[] parameters = [("size", r.Size), ("games", games), ("top_k", settings.TopK), ("mode", mode.ToString().ToLowerInvariant()), ("batches", r.Batches.Count)];
            report.Add("steps", r.Median(b => b.StepsPerSecond), "steps/s", parameters);
            report.Add("tokens-per-step", r.Median(b => b.TokensPerStep), "tokens", parameters);
            report.Add("prefill", r.Median(b => b.PrefillTokensPerSecond), "tokens/s", parameters);
            report.Add("decode", r.Median(b => b.DecodeTokensPerSecond), "tokens/s", parameters);
            report.Add("prefill-calls-per-step", r.Median(b => b.PrefillCallsPerStep), "calls", parameters);
            report.Add("decode-calls-per-step", r.Median(b => b.DecodeCallsPerStep), "calls", parameters);
            report.Add("decoder-rows", r.Median(b => b.RowsPerSecond), "rows/s", parameters);
            report.Add("rows-used", r.Median(b => b.RowsUsed), "fraction", parameters);
            report.Add("time-prefill", r.Median(b => b.Share(b.Spent.PrefillSeconds)), "fraction", parameters);
            report.Add("time-decode", r.Median(b => b.Share(b.Spent.DecodeSeconds)), "fraction", parameters);
            report.Add("time-choice", r.Median(b => b.Share(b.Spent.ChoiceSeconds)), "fraction", parameters);
            report.Add("time-writer", r.Median(b => b.Share(b.Spent.WriterSeconds)), "fraction", parameters);
        }
        Console.WriteLine("tokens/step: the whole sequence; prefill/decode tok/s: tokens fed by calls of a chunk > 1 (forced runs, with the");
        Console.WriteLine("model tokens before them) and of one token per game, over those calls' time; rows/s: batch × chunk rows the decoder");
        Console.WriteLine("computes per second (SearchDriver.ChooseChunk sets one chunk for all games); rows used: the share of those rows that");
        Console.WriteLine("carry a token; prefill .. other: shares of the wall time (other: the driver's own loop).");
        report.WriteIfRequested(options);
        return 0;
    }

    /// <summary>
    /// Search steps measured per size by default: at least three batches of 16 for a median, under two minutes for
    /// 5, 7 and 9 together on a 2-core CPU (a quiet one does them in well under a minute).
    /// </summary>
    private static int DefaultSteps(int size, DeviceKind device) => device == DeviceKind.Cpu
        ? size switch { <= 5 => 96, <= 7 => 64, _ => 48 }
        : 128;

    /// <summary>Positions from the empty board after a random number (up to half the points) of light-playout moves; none finished.</summary>
    private static Board[] RandomRoots(int size, int count, ref FastRandom random)
    {
        var roots = new Board[count];
        for (var g = 0; g < count; g++)
        {
            Board board;
            do
            {
                board = new Board(size);
                var moves = random.NextInt(size * size / 2 + 1);
                for (var m = 0; m < moves && !board.IsGameOver; m++)
                    board.PlayLegal(board.ToMove, RandomPlayout.ChooseMove(board, board.ToMove, ref random));
            } while (board.IsGameOver);
            roots[g] = board;
        }
        return roots;
    }

    /// <summary>
    /// The driver's decoder calls, rebuilt from the finished sequences: each game's forced tokens wait in line until its
    /// next model token; every call feeds each unfinished game up to the chunk SearchDriver.ChooseChunk picks, and a
    /// game whose run is all fed gets its next model token and the forced ones after it. SearchStatistics counts calls and time but not the tokens each call carried, which this supplies.
    /// </summary>
    private static Schedule Replay(IReadOnlyList<SearchWriter> writers, int batch, bool modelWritesImproved, int overheadRows)
    {
        var decisions = writers.Select(w => Enumerable.Range(0, w.Sequence.Count)
            .Where(i => IsModelToken(w.Sequence.Roles[i], modelWritesImproved)).ToArray()).ToArray();
        var games = writers.Count;
        var next = new int[games];                       // index into decisions[g] of the pending model token
        var fed = new int[games];
        var schedule = new Schedule { ModelTokens = decisions.Sum(d => d.Length) };
        while (true)
        {
            var pending = new int[games];
            for (var g = 0; g < games; g++)
                if (next[g] < decisions[g].Length) pending[g] = decisions[g][next[g]] - fed[g];
            var chunk = SearchDriver.ChooseChunk(pending, batch, MaxChunk, overheadRows);
            if (chunk == 0) break;
            var tokens = 0;
            for (var g = 0; g < games; g++)
            {
                if (next[g] >= decisions[g].Length) continue;
                var count = Math.Min(chunk, decisions[g][next[g]] - fed[g]);
                tokens += count;
                fed[g] += count;
                if (fed[g] == decisions[g][next[g]]) next[g]++;
            }
            if (chunk > 1)
            {
                schedule.PrefillCalls++;
                schedule.PrefillTokens += tokens;
            }
            else
            {
                schedule.DecodeCalls++;
                schedule.DecodeTokens += tokens;
            }
            schedule.RowsComputed += (long)batch * chunk;
        }
        return schedule;
    }

    private static bool IsModelToken(TokenRole role, bool modelWritesImproved) => role switch
    {
        TokenRole.RootEstimate or TokenRole.ChildEstimate or TokenRole.ImaginedBoard => true,
        TokenRole.Improved => modelWritesImproved,
        _ => false,
    };

    private static SearchStatistics Snapshot(SearchStatistics s) => new()
    {
        Steps = s.Steps, FedTokens = s.FedTokens, RowsComputed = s.RowsComputed, ModelTokens = s.ModelTokens, PrefillCalls = s.PrefillCalls, DecodeCalls = s.DecodeCalls,
        PrefillSeconds = s.PrefillSeconds, DecodeSeconds = s.DecodeSeconds, ChoiceSeconds = s.ChoiceSeconds, WriterSeconds = s.WriterSeconds,
    };

    private static SearchStatistics Difference(SearchStatistics after, SearchStatistics before) => new()
    {
        Steps = after.Steps - before.Steps, FedTokens = after.FedTokens - before.FedTokens, RowsComputed = after.RowsComputed - before.RowsComputed, ModelTokens = after.ModelTokens - before.ModelTokens,
        PrefillCalls = after.PrefillCalls - before.PrefillCalls, DecodeCalls = after.DecodeCalls - before.DecodeCalls,
        PrefillSeconds = after.PrefillSeconds - before.PrefillSeconds, DecodeSeconds = after.DecodeSeconds - before.DecodeSeconds,
        ChoiceSeconds = after.ChoiceSeconds - before.ChoiceSeconds, WriterSeconds = after.WriterSeconds - before.WriterSeconds,
    };

    private sealed class Schedule
    {
        public long PrefillCalls, DecodeCalls, PrefillTokens, DecodeTokens, RowsComputed, ModelTokens;
    }

    private sealed record BatchResult(int Games, double Wall, SearchStatistics Spent, Schedule Schedule, long SequenceTokens)
    {
        public double StepsPerSecond => Games / Wall;
        public double TokensPerStep => (double)SequenceTokens / Games;
        public double PrefillTokensPerSecond => Schedule.PrefillTokens / Spent.PrefillSeconds;
        public double DecodeTokensPerSecond => Schedule.DecodeTokens / Spent.DecodeSeconds;
        public double PrefillCallsPerStep => (double)Schedule.PrefillCalls / Games;
        public double DecodeCallsPerStep => (double)Schedule.DecodeCalls / Games;
        public double RowsPerSecond => Schedule.RowsComputed / (Spent.PrefillSeconds + Spent.DecodeSeconds);
        public double RowsUsed => (double)(Schedule.PrefillTokens + Schedule.DecodeTokens) / Schedule.RowsComputed;
        public double Share(double seconds) => seconds / Wall;
    }

    private sealed class SizeResult(int size)
    {
        public int Size { get; } = size;
        public List<BatchResult> Batches { get; } = [];

        public void Add(BatchResult batch) => Batches.Add(batch);

        public double Median(Func<BatchResult, double> measure)
        {
            var values = Batches.Select(measure).Order().ToArray();
            var half = values.Length / 2;
            return values.Length % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2;
        }
    }
}
