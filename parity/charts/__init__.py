"""Presentation: every altair chart, each built from a tidy frame; the only importer of altair.

training (accuracy and loss curves), states (heat maps, running prediction), lengths
(accuracy by length), stress (families), machine, window, overlay, experiments. Charts use
core and evaluation only, and never streamlit.
"""
