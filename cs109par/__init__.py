"""cs109par: helpers for the CS109 "Parallelism and Spark" course."""
__version__ = "0.1.0"
