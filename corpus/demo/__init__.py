"""The offline demo: a bundled sample news site, a local server for it, and the run that collects and measures it."""
