"""`python -m benchmarks`: the one runner (benchmarks/run.py)."""
import sys

from benchmarks.run import main

sys.exit(main())
