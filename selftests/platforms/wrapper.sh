#!/bin/sh
# Stands in for the interpreter in the simulated-system self-tests: keeps the
# interpreter flags of the command line, puts boot.py before what it runs.
flags=""
while [ $# -gt 0 ]; do
  case "$1" in
    -X|-W) flags="$flags $1 $2"; shift 2 ;;
    -c|-m) mode="$1"; target="$2"; shift 2; break ;;
    -*) flags="$flags $1"; shift ;;
    *) mode=script; target="$1"; shift; break ;;
  esac
done
# shellcheck disable=SC2086  # the flags are words on purpose
exec "$GRADING_SIMULATE_REAL" $flags "$GRADING_SIMULATE_BOOT" "$mode" "$target" "$@"
