"""Every altair chart of the app (the only place in parity that imports altair).

Presentation: imports only parity.core and parity.evaluation; the command line never draws.
"""
