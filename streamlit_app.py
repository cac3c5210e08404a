"""Parity Lab: train RNN, GRU and LSTM networks on bit parity and look inside them.

Entry point: page setup, the shared settings sidebar, navigation. Run with
`streamlit run streamlit_app.py`. The pages live in app_pages/, not pages/: Streamlit treats
a folder named pages/ as old-style auto-discovered pages when a server's first request is a
deep link such as /inside, and that visitor would get no shared sidebar.

The app runs under `if __name__ == "__main__"`, the multiprocessing idiom: Streamlit runs this
file as __main__, and every worker process of the training pool (ui.slots) re-imports it as
__mp_main__, where it must do nothing (not even import streamlit).

`streamlit run streamlit_app.py` finds the `app = st.App(...)` below and serves the app through
it: the app is this same file, and its lifespan hook starts the warm-up (ui.warmup) as the
server starts and waits for the default configuration, so the first visitor never waits for it.
"""

import contextlib

TRAIN = "app_pages/train.py"


def main() -> None:
    import streamlit as st

    from ui import sidebar, slots

    st.set_page_config(page_title="Parity Lab", page_icon="🧮", layout="wide")
    slots.pool()  # the server's worker processes: started once, they load torch meanwhile
    pages = [
        st.Page(
            TRAIN, title="Train", icon=":material/model_training:", url_path="home", default=True
        ),
        st.Page(
            "app_pages/inside.py", title="Look inside", icon=":material/biotech:", url_path="inside"
        ),
        st.Page(
            "app_pages/machine.py",
            title="What it computes",
            icon=":material/account_tree:",
            url_path="machine",
        ),
        st.Page(
            "app_pages/lengths.py",
            title="Length generalization",
            icon=":material/straighten:",
            url_path="lengths",
        ),
        st.Page("app_pages/model.py", title="Model", icon=":material/save:", url_path="model"),
        st.Page(
            "app_pages/experiments.py",
            title="Experiments",
            icon=":material/science:",
            url_path="experiments",
        ),
        # The default page is served at "/"; /train (with its query string) opens it too.
        st.Page(TRAIN, title="Train", url_path="train", visibility="hidden"),
    ]
    page = st.navigation(pages)
    sidebar.render()
    page.run()


@contextlib.asynccontextmanager
async def lifespan(_app):
    """Server start: the work pool and the warm-up begin, and the server answers once the
    default configuration is trained (the first visitor gets it from the cache)."""
    import asyncio

    from ui import slots, warmup

    slots.pool()
    warmup.start()
    await asyncio.to_thread(warmup.wait_for_default)
    yield


if __name__ == "__main__":
    main()
elif __name__ == "streamlit_app":  # imported once by `streamlit run` to serve the app
    import streamlit as st

    app = st.App(__file__, lifespan=lifespan)
