"""Channel-program simulation engine: vendors, direct reps and multi-vendor partners."""

__version__ = "0.1.0"
