"""AppTest tests of the Streamlit app, one module per page plus the sidebar."""
