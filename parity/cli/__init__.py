"""The command line, `python -m parity ...`: argument parsing (flags derived from Config),
the commands and their output formats.

Layer: the top of the engine. May import every other subpackage except parity.charts.
"""
