"""Live feedback: watch, preview, proof sheets."""
