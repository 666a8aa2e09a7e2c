"""The rules engine: pure functions, a policy and facts and a date in, a Decision out.

Nothing in this package reads the clock, a database or a screen.
"""
