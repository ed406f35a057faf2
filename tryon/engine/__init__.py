"""Frame in, painted frame out: landmarks, smoothing, lip masks, finishes and the pipeline (never Qt)."""
