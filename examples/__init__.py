"""Worked examples of wiring a provincial portal to the emulated national systems."""
