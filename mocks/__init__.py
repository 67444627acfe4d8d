"""Emulators of the platforms a provincial public-service portal lives in."""
