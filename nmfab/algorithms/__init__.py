"""NMF algorithms: one file per algorithm, each registered by name."""
