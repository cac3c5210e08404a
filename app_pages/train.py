"""Train: the sidebar's configuration, trained once (cached), with its curves and numbers."""

import streamlit as st

from ui import compare, diagnosis, presets, sidebar, training, verdict
from ui.session import diverged_message

st.title(":material/model_training: Parity Lab")
st.markdown(
    "The **parity** of a bit string is whether it has an odd number of 1s (`0110` → even, "
    "`0111` → odd). A recurrent network reads the bits one at a time and must keep that "
    "running answer in its state. Pick a network in the sidebar: it trains here on short "
    "strings and is tested on much longer ones. Try a plain **rnn**, or a tiny hidden size."
)

config = sidebar.require_config()
result = training.require_trained(config)
presets.show_expected(config, result)

if result.status == "diverged":
    st.error(diverged_message(result), icon=":material/error:")
else:
    verdict.show(result.verdict)
    st.caption(training.STATUS_TEXT[result.status])
diagnosis.show(result)
deltas = compare.metric_deltas(result)  # against this visitor's previous run
for column, (label, value) in zip(
    st.columns([1, 1, 1, 1, 2]), training.metric_values(result).items(), strict=True
):
    column.metric(label, value, **deltas.get(label, {}))
compare.deltas_caption(result)
training.draw_curves(result.history, config)
st.caption(
    "Accuracy is the share of whole strings whose final parity the model gets right: "
    "on the training batch (short strings) and on 1,000 held-out test strings. 50% is "
    "guessing."
)

compare.show_compare(result)
