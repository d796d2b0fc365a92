"""Metrics of the DESIGN §4 contract, one module per family."""
