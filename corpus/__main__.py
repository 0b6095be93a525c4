"""`python -m corpus` runs the `framewatch` command."""
from corpus.cli import main

raise SystemExit(main())
