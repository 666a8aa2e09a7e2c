"""Desk workflows, one package each."""
