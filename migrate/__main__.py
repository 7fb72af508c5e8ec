"""``python -m migrate``: the same as the ``migrate`` command."""

import sys

try:
    from migrate.cli import main
except KeyboardInterrupt:  # Ctrl-C before the command line is even loaded
    sys.stderr.write("Error: interrupted\n")
    sys.exit(130)

main(prog_name="migrate")
