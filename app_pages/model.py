"""Model: download the trained weights and history; upload a model file to inspect it."""

import streamlit as st

from ui import model_files, session, sidebar, training

st.title(":material/save: Model")
st.markdown(
    "Take the trained network with you, or bring one back. A model file is a `.safetensors` "
    "file (weights only, it cannot run code) with its settings inside. An uploaded model "
    "replaces the sidebar's on **Look inside** and **Length generalization**, for you alone."
)

download, upload = st.columns(2, gap="large")
with download:
    st.subheader("Download the sidebar's model")
    config, problem = sidebar.current_config()
    if config is None:
        st.error(problem, icon=":material/error:")
    elif training.budget_notice(config):  # a huge budget waits for a click; uploads still work
        result = training.trained(config)
        if result.status == "diverged":
            st.error(session.diverged_message(result), icon=":material/error:")
        st.caption(model_files.summary_line(result))
        model_files.download_buttons(result)
        st.dataframe(
            model_files.config_table(config), hide_index=True, width="stretch", height="content"
        )

with upload:
    st.subheader("Upload a model file")
    file = st.file_uploader(
        "Model file",
        type=["safetensors"],
        key=session.uploader_key(),
        help="A .safetensors file downloaded from this page.",
    )
    if file is not None:
        error = session.accept_upload(file.name, file.getvalue())
        if error:
            st.error(error, icon=":material/error:")
    active = session.uploaded()
    if active is not None:
        session.upload_notice(active)
        st.dataframe(
            model_files.config_table(active.config),
            hide_index=True,
            width="stretch",
            height="content",
        )
