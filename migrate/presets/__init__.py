"""Preset job files."""
