#!/bin/sh
# A scripted GTP engine for the client and match tests. $1 picks how it misbehaves:
#   hang    answers name, then never answers anything else
#   exit3   answers name, then complains on stderr and exits with code 3
#   quirky  echoes ids, ends lines with CR LF, pads with blanks, answers genmove with $2
#   crash   plays legal moves for three genmoves, then exits with code 4 at the fourth, as an engine dying
#           mid-game. It plays only the nine inner points of a 5x5 board: with at most three stones each side
#           nothing can be captured there, so remembering the occupied points is enough to stay legal.
set -f
mode=$1
genmove_answer=$2
occupied=' '
genmoves=0
while IFS= read -r line; do
    set -- $line
    id=
    case $1 in
        '' | *[!0-9]*) ;;
        *) id=$1; shift ;;
    esac
    case $mode:$1 in
        *:name) printf '=%s   Fake Engine  \r\n\r\n' "$id" ;;
        *:quit) printf '=%s\r\n\r\n' "$id"; exit 0 ;;
        hang:*) sleep 30 ;;
        exit3:*) echo "fake engine: cannot handle '$line'" >&2; exit 3 ;;
        quirky:boardsize | quirky:clear_board | quirky:komi | quirky:play) printf '=%s\r\n\r\n' "$id" ;;
        crash:boardsize | crash:komi) printf '=%s\n\n' "$id" ;;
        crash:clear_board) occupied=' '; printf '=%s\n\n' "$id" ;;
        crash:play) occupied="$occupied$(printf '%s' "$3" | tr a-z A-Z) "; printf '=%s\n\n' "$id" ;;
        crash:genmove)
            genmoves=$((genmoves + 1))
            if [ "$genmoves" -gt 3 ]; then
                echo "fake engine: crashing at genmove $genmoves" >&2
                exit 4
            fi
            for vertex in C3 B2 D4 B4 D2 C2 C4 B3 D3; do
                case $occupied in *" $vertex "*) ;; *) break ;; esac
            done
            occupied="$occupied$vertex "
            printf '=%s %s\n\n' "$id" "$vertex" ;;
        quirky:genmove) printf '=%s %s\r\n\r\n' "$id" "$genmove_answer" ;;
        quirky:board) printf '=%s \r\n  A B\r\n2 . X\r\n1 .\t.\r\n\r\n' "$id" ;;
        quirky:late) printf '\r\n\n=%s late\n\n' "$id" ;;
        quirky:wrongid) printf '=99 wrong\n\n' ;;
        quirky:garbage) printf 'hello there\n\n' ;;
        *) printf '?%s unknown command\r\n\r\n' "$id" ;;
    esac
done
