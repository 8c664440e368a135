"""Choices of the residents' portal."""
