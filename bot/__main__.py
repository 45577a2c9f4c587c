"""`python -m bot ...`: the entry point only; the command line itself is an adapter
(cli/main.py). The one module of bot/ that may import outside the core."""

from cli.main import main

raise SystemExit(main())
