"""nmfab: the NMF audio benchmark."""
__version__ = "0.1.0"
