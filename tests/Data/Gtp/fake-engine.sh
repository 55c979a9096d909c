#!/bin/sh
# A scripted GTP engine for the client tests. $1 picks how it misbehaves:
#   hang    answers name, then never answers anything else
#   exit3   answers name, then complains on stderr and exits with code 3
#   quirky  echoes ids, ends lines with CR LF, pads with blanks, answers genmove with $2
set -f
mode=$1
genmove_answer=$2
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
        quirky:genmove) printf '=%s %s\r\n\r\n' "$id" "$genmove_answer" ;;
        quirky:board) printf '=%s \r\n  A B\r\n2 . X\r\n1 .\t.\r\n\r\n' "$id" ;;
        quirky:late) printf '\r\n\n=%s late\n\n' "$id" ;;
        quirky:wrongid) printf '=99 wrong\n\n' ;;
        quirky:garbage) printf 'hello there\n\n' ;;
        *) printf '?%s unknown command\r\n\r\n' "$id" ;;
    esac
done
