#!/usr/bin/env bash
# Learning benchmark: train from zero for a fixed time on this machine, then measure the last checkpoint in
# matches of GAMES games each (alternating colours, the run's komi):
#   search player vs random, vs the untrained first checkpoint, and search and backup players vs OPPONENT when given
#   (e.g. uct:1000);
#   the same checkpoint's prior, search and backup players against each other and against random
#   (the gain from searching inside the sequence), and its search player in the mode it was not trained in;
# then one Elo ladder over every game of the run's periodic evaluations and of these matches.
#
# usage: bench/learning/run.sh SIZE MINUTES OUT [GAMES [OPPONENT]] [-- extra train flags]
#   bench/learning/run.sh 5 30 /tmp/learn-5x5 200
#   bench/learning/run.sh 7 100 /tmp/learn-7x7 200 uct:1000 -- --write-playouts false --top-k 24 --playouts 128 --steps 13000 --decay-steps 13000
# Writes OUT/run (the run directory, plots in OUT/run/plots), OUT/matches/*, OUT/ladder.txt and OUT/summary.txt.
# Run again on the same OUT, it trains no more and plays only the matches that are missing.
set -euo pipefail

size=${1:?board size}; minutes=${2:?minutes}; out=${3:?output folder}
shift 3
games=200; opponent=
if [ $# -gt 0 ] && [ "$1" != "--" ]; then games=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then opponent=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
cd "$(dirname "$0")/../.."

dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
goseqzero() { dotnet src/Trainer/bin/Release/net10.0/goseqzero.dll "$@"; }

mkdir -p "$out"
run="$out/run"
if [ -f "$run/config.json" ]; then
  echo "learning: $run holds a run already; measuring its last checkpoint without training (matches already played are kept)"
else
  goseqzero train --size "$size" --minutes "$minutes" --run-dir "$run" "$@"
fi

komi=$(python3 -c "import json,sys; c = json.load(open(sys.argv[1])); print(c['run']['komi'] if 'run' in c else c['komi'])" "$run/config.json")
last="$run/$(cat "$run/latest")"
first="$run/checkpoints/step-000000"
echo "learning: measuring $last (komi $komi, $games games per match)"

match() { # NAME BLACK WHITE: games between two model players open with 4 random moves (the same for both colours
  # of a pair), since two deterministic players would otherwise repeat the same two games
  local name=$1; shift
  if [ -f "$out/matches/$name/results.json" ]; then echo "learning: $name already played"; return; fi
  local opening=0
  [[ $1 == model:* && $2 == model:* ]] && opening=4
  mkdir -p "$out/matches"
  goseqzero match --black "$1" --white "$2" --games "$games" --size "$size" --komi "$komi" --seed 7 \
    --opening-moves "$opening" --out "$out/matches/$name" | tee "$out/matches/$name.txt"
}

match search-vs-random "model:$last:search" random
match search-vs-first "model:$last:search" "model:$first:search"
[ -n "$opponent" ] && match "search-vs-${opponent//:/-}" "model:$last:search" "$opponent"
# The computed backup against the same opponent: how much of the search's strength the model's reading keeps.
[ -n "$opponent" ] && match "backup-vs-${opponent//:/-}" "model:$last:backup" "$opponent"
match prior-vs-random "model:$last:prior" random
match backup-vs-random "model:$last:backup" random
# The search in the other mode than the run's (tree steps after a rollout-only run): what the shared weights transfer.
other=$(python3 -c "import json,sys; print('tree' if json.load(open(sys.argv[1]))['extra'].get('player_search', {}).get('mode') == 'rollout' else 'rollout')" "$last/state.json")
match "search-$other-vs-random" "model:$last:search:$other" random
match search-vs-prior "model:$last:search" "model:$last:prior"
# The backup against the prior of the same checkpoint: in tree mode both are model-only, so this is the gain from
# searching inside the sequence with the model's own values.
match backup-vs-prior "model:$last:backup" "model:$last:prior"
match search-vs-backup "model:$last:search" "model:$last:backup"

goseqzero ladder --results "$run/evaluations" "$out/matches" | tee "$out/ladder.txt"
{
  echo "learning benchmark: ${size}x${size}, $minutes minutes of training, $(cat "$run/latest")"
  # Program A's row of each match's own summary (MatchSummary: Wilson intervals), under that summary's header.
  printf '%-22s %s\n' match "$(grep -h -m1 -E '^ +games' "$out"/matches/*.txt | head -n 1 | cut -c2-)"
  for printed in "$out"/matches/*.txt; do
    printf '%-22s %s\n' "$(basename "$printed" .txt)" "$(grep -m1 -E '^A +[0-9]' "$printed" | cut -c2-)"
  done
} | tee "$out/summary.txt"
