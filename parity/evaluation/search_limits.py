"""The falsifier's and the margins' sizes, apart from their torch code (the command line's
--help reads them without loading torch)."""

EXHAUSTIVE = 14  # the falsifier tries all strings up to this many bits
BEAM = 256  # strings the beam search keeps at each step
BEAM_LENGTH = 20_000  # longest string the beam search builds
STREAM_LENGTH = 100_000  # how far the falsifier follows the long streams
SECONDS = 10.0  # the falsifier's default time budget
MAX_LENGTH = 1_000_000  # the longest the margins follow the streams
