"""The signal core: pure, streaming, explicit state (see pipeline.py)."""
