"""The pure core: Polars/NumPy in, frames and frozen dataclasses out. Never imports Django."""
