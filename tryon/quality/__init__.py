"""Measuring the engine: the eval set, metrics, `tryon eval` and `tryon bench` (never imported by the product)."""
